// Rendering tests of the attention viewer in headless Chromium: known matrices
// give known colours at known cells, equal paths give a neutral difference, an
// invalid capture gives a readable message, and the controls do what they say.
import * as assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { encodeCapture, type CaptureInput, type Float32Tensor } from '../../src/core/capture';
import { syntheticCapture } from '../../src/core/capture/synthetic';
import { NEUTRAL, sequentialColor, divergingColor } from '../../webview/attention/colormap';
import { openPanel, post, posted, screenshot, sharedBrowser, toBase64 } from './harness';

// A = 3 answer rows, K = 4 latents, L = 2 layers, h = 2 heads.
const A = 3, K = 4, L = 2, H = 2;
const known = (r: number, c: number): number => (r * K + c) / (A * K - 1);      // 0 … 1 over the 12 cells
const other = (r: number, c: number): number => 1 - known(r, c);

/** [L, h, A, K] where head 0 holds f and head 1 holds g, in every layer. */
function tensor(f: (r: number, c: number) => number, g: (r: number, c: number) => number): Float32Tensor {
  const data = new Float32Array(L * H * A * K);
  for (let l = 0; l < L; l++) for (let h = 0; h < H; h++) for (let r = 0; r < A; r++) for (let c = 0; c < K; c++) {
    data[((l * H + h) * A + r) * K + c] = (h === 0 ? f : g)(r, c);
  }
  return { dtype: 'float32', shape: [L, H, A, K], data };
}

function knownCapture(corruptedEqual: boolean): CaptureInput {
  const cap = syntheticCapture({ layers: L, heads: H, answers: A, latents: K, examples: 2 });
  const ex = cap.examples[0];
  ex.paths.intact.answerToLatent = tensor(known, known);
  ex.paths.corrupted!.answerToLatent = corruptedEqual ? tensor(known, known) : tensor(other, known);
  return cap;
}

type Rgba = [number, number, number, number];

async function pixel(page: Page, layer: number, panel: number, r: number, c: number): Promise<Rgba> {
  return page.evaluate(([l, p, rr, cc]) => {
    const v = (window as any).__attentionViewer;
    const { canvas, x, y } = v.cellCenter(l, p, rr, cc);
    return Array.from(canvas.getContext('2d').getImageData(Math.floor(x), Math.floor(y), 1, 1).data) as [number, number, number, number];
  }, [layer, panel, r, c]);
}

async function sendCapture(page: Page, cap: CaptureInput, steps = [cap.step]): Promise<void> {
  await post(page, { type: 'capture', step: cap.step, steps, bytes: toBase64(encodeCapture(cap)) });
  await page.waitForFunction(() => !document.getElementById('content')!.hidden || !document.getElementById('message')!.hidden);
}

describe('attention viewer (headless Chromium)', function () {
  this.timeout(60000);
  const browser = sharedBrowser();

  it('paints a known matrix with the known colours, cell by cell', async () => {
    const page = await openPanel(browser(), 'attention');
    await sendCapture(page, knownCapture(false));
    for (let r = 0; r < A; r++) {
      for (let c = 0; c < K; c++) {
        assert.deepEqual(await pixel(page, 1, 0, r, c), [...sequentialColor(known(r, c)), 255], `intact cell (${r}, ${c})`);
      }
    }
    // The ends of the scale are viridis' ends, whatever colormap.ts computes.
    assert.deepEqual(await pixel(page, 0, 0, 0, 0), [68, 1, 84, 255]);
    assert.deepEqual(await pixel(page, 0, 0, A - 1, K - 1), [253, 231, 37, 255]);
    // Corrupted is the mean of `other` and `known` = 0.5 everywhere; the difference has the sign of known − 0.5.
    assert.deepEqual(await pixel(page, 0, 1, 1, 1), [...sequentialColor(0.5), 255]);
    const hi = await pixel(page, 0, 2, A - 1, K - 1);
    const lo = await pixel(page, 0, 2, 0, 0);
    assert.deepEqual(hi, [...divergingColor(1), 255]);
    assert.deepEqual(lo, [...divergingColor(-1), 255]);
    assert.ok(hi[0] > hi[2] && lo[2] > lo[0], `positive differences are red, negative blue: ${hi} ${lo}`);
    await page.close();
  });

  it('draws the difference of two equal maps neutral everywhere', async () => {
    const page = await openPanel(browser(), 'attention');
    await sendCapture(page, knownCapture(true));
    const counts = await page.evaluate(([a, k]) => {
      const v = (window as any).__attentionViewer;
      const out: number[] = [];
      for (let l = 0; l < 2; l++) {
        const tl = v.cellCenter(l, 2, 0, 0);
        const br = v.cellCenter(l, 2, a - 1, k - 1);
        const x0 = Math.floor(tl.x), y0 = Math.floor(tl.y);
        const d = tl.canvas.getContext('2d').getImageData(x0, y0, Math.floor(br.x) - x0 + 1, Math.floor(br.y) - y0 + 1).data;
        let neutral = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] === 247 && d[i + 1] === 247 && d[i + 2] === 247 && d[i + 3] === 255) neutral++;
        out.push(neutral, d.length / 4);
      }
      return out;
    }, [A, K]);
    assert.ok(counts[1] > 100, `the sampled region covers the panel (${counts[1]} pixels)`);
    assert.deepEqual(NEUTRAL, [247, 247, 247]);
    assert.equal(counts[0], counts[1], 'layer 0: every difference pixel is neutral');
    assert.equal(counts[2], counts[3], 'layer 1: every difference pixel is neutral');
    await page.close();
  });

  it('changes colours with the head selection and the normalisation', async () => {
    const page = await openPanel(browser(), 'attention');
    const cap = knownCapture(false);
    await sendCapture(page, cap);
    await page.evaluate(() => (window as any).__attentionViewer.update({ head: 0 }));
    // Corrupted head 0 holds `other`: cell (0, 0) = 1.
    assert.deepEqual(await pixel(page, 0, 1, 0, 0), [...sequentialColor(1), 255]);
    await page.evaluate(() => (window as any).__attentionViewer.update({ head: 'mean', norm: 'row' }));
    // Per row: each row's maximum (its last latent) becomes the top of the scale.
    for (let r = 0; r < A; r++) assert.deepEqual(await pixel(page, 0, 0, r, K - 1), [253, 231, 37, 255], `row ${r} max`);
    assert.deepEqual(await pixel(page, 0, 0, 1, 0), [...sequentialColor(known(1, 0) / known(1, K - 1)), 255]);
    const state = await page.evaluate(() => (window as any).__latentLabState);
    assert.equal(state.norm, 'row', 'the view state is saved with setState');
    await page.close();
  });

  it('syncs the hover crosshair across the three maps and shows the exact values', async () => {
    const page = await openPanel(browser(), 'attention');
    await sendCapture(page, knownCapture(false));
    const before = await pixel(page, 0, 2, 1, 2);
    const target = await page.evaluate(() => {
      const { canvas, x, y } = (window as any).__attentionViewer.cellCenter(0, 0, 1, 2);
      const r = canvas.getBoundingClientRect();
      return { x: r.left + x, y: r.top + y };
    });
    await page.mouse.move(target.x, target.y);
    const tip = await page.locator('#tooltip').innerText();
    assert.match(tip, new RegExp(`intact ${known(1, 2).toFixed(4)}`));
    assert.match(tip, new RegExp(`corrupted ${(0.5).toFixed(4)}`));
    assert.match(tip, new RegExp(`difference ${(known(1, 2) - 0.5).toFixed(4)}`));
    const after = await pixel(page, 0, 2, 1, 2);
    assert.notDeepEqual(after, before, 'the crosshair is drawn on the difference map too');
    await screenshot(page, 'attention-viewer-hover.png');
    await page.close();
  });

  it('shows a clear message for a truncated capture, bad magic, or a host error, never a blank panel', async () => {
    const page = await openPanel(browser(), 'attention');
    const bytes = encodeCapture(knownCapture(false));
    await post(page, { type: 'capture', step: 7, steps: [7], bytes: toBase64(bytes.subarray(0, bytes.length - 100)) });
    await page.waitForSelector('#message.error');
    assert.match(await page.locator('#message').innerText(), /Step 7: the capture file is invalid: truncated: array latentToImage \(corrupted path\) of example 1 ends at byte \d+ but the file has \d+ bytes/);
    assert.equal(await page.locator('#content').isHidden(), true);
    await screenshot(page, 'attention-viewer-error.png');
    const bad = bytes.slice();
    bad[0] = 0;
    await post(page, { type: 'capture', step: 8, steps: [8], bytes: Array.from(bad.subarray(0, 64)) });
    await page.waitForFunction(() => /bad magic/.test(document.getElementById('message')!.textContent ?? ''));
    await post(page, { type: 'error', message: 'captures/step-9.llcap: no such file' });
    await page.waitForFunction(() => /no such file/.test(document.getElementById('message')!.textContent ?? ''));
    await page.close();
  });

  it('exports PNG and CSV, requests other steps, enlarges a layer', async () => {
    const page = await openPanel(browser(), 'attention');
    const cap = knownCapture(false);
    await sendCapture(page, cap, [50, cap.step, 200]);
    assert.equal(await page.locator('#step-box').isVisible(), true, 'a step slider with several steps');
    await page.evaluate(() => { const s = document.getElementById('step') as HTMLInputElement; s.value = '2'; s.dispatchEvent(new Event('change')); });
    await page.click('#export-png');
    await page.click('#export-csv');
    const msgs = await posted(page);
    assert.deepEqual(msgs.find((m) => m.type === 'requestStep'), { type: 'requestStep', step: 200 });
    const png = msgs.find((m) => m.type === 'export' && m.kind === 'png');
    assert.match(String(png?.data), /^data:image\/png;base64,/);
    const csv = String(msgs.find((m) => m.type === 'export' && m.kind === 'csv')?.data).trim().split('\n');
    assert.equal(csv.length, 1 + L * 3 * A * K, 'one line per layer, path and cell');
    // The default normalisation is 'global' (to the view's maximum).
    assert.match(csv[1], new RegExp(`^${cap.step},val-0,0,mean,global,intact,0,`));
    const canvas = await page.$('canvas.layer-row[data-layer="1"]');
    await canvas!.click({ position: { x: 5, y: 5 } });
    await page.waitForSelector('#enlarged:not([hidden])');
    await screenshot(page, 'attention-viewer-enlarged.png');
    await page.close();
  });

  it('looks right with a realistic capture (screenshots, dark and light)', async () => {
    for (const theme of ['dark', 'light'] as const) {
      const page = await openPanel(browser(), 'attention', theme);
      const cap = syntheticCapture({ layers: 6, heads: 4, answers: 10, latents: 12, patchGrid: [6, 6], imageSize: 48, examples: 3 });
      await sendCapture(page, cap, [100, 200, 300]);
      await page.evaluate(() => (window as any).__attentionViewer.update({ latent: 3, layer: 2 }));
      const errors = (page as Page & { llErrors?: string[] }).llErrors ?? [];
      assert.deepEqual(errors, []);
      await screenshot(page, `attention-viewer-${theme}.png`);
      await page.close();
    }
  });
});
