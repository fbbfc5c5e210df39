// The attention viewer keeps one selection state: whatever moves it (‹ ›, the step
// slider, a click on a layer or a latent, a dropdown), every control shows the
// state afterwards. Also: a default scale that uses the colour range, latent
// labels under every map, maps that fill the panel, each path on its own.
import * as assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { encodeCapture } from '../../src/core/capture';
import { syntheticCapture } from '../../src/core/capture/synthetic';
import { openPanel, post, posted, screenshot, sharedBrowser, toBase64 } from './harness';

const IDS = ['example', 'head', 'norm', 'paths', 'layer', 'latent'] as const;

/** What each dropdown shows: its value and the label on its face (the selected option's text). */
async function controls(page: Page): Promise<Record<string, { value: string; label: string }>> {
  await page.evaluate(() => new Promise((r) => setTimeout(r, 50)));   // the controls render a task later
  return page.evaluate((ids) => Object.fromEntries(ids.map((id) => {
    const el = document.getElementById(id) as HTMLElement & { value: string; selectedIndex: number };
    const options = Array.from(el.querySelectorAll('vscode-option'));
    return [id, { value: el.value, label: (options[el.selectedIndex]?.textContent ?? '').trim() }];
  })), IDS as unknown as string[]);
}

async function state(page: Page): Promise<Record<string, unknown>> {
  return page.evaluate(() => ({ ...(window as any).__attentionViewer.state }));
}

/** Every dropdown agrees with the viewer's state. */
async function assertInSync(page: Page, when: string): Promise<void> {
  const s = await state(page);
  const c = await controls(page);
  for (const id of IDS) assert.equal(c[id].value, String(s[id]), `${when}: the ${id} dropdown shows ${c[id].value} (“${c[id].label}”), the view shows ${String(s[id])}`);
}

async function sendCapture(page: Page, step: number, steps: number[]): Promise<void> {
  const cap = syntheticCapture({ layers: 3, heads: 2, answers: 3, latents: 4, examples: 3 });
  cap.step = step;
  await post(page, { type: 'capture', step, steps, bytes: toBase64(encodeCapture(cap)) });
  await page.waitForFunction(() => !document.getElementById('content')!.hidden);
}

describe('attention viewer: one selection state (headless Chromium)', function () {
  this.timeout(60000);
  const browser = sharedBrowser();

  it('every dropdown follows ‹ ›, the step slider, a click on a layer and on a latent', async () => {
    const page = await openPanel(browser(), 'attention', 'dark', { width: 1400, height: 900 });
    await sendCapture(page, 10, [10, 20]);
    await assertInSync(page, 'first capture');
    await page.click('#next');
    assert.equal((await state(page)).example, 1);
    await assertInSync(page, 'after ›');
    await page.click('#next');
    await page.click('#prev');
    await assertInSync(page, 'after › ‹');
    // The slider asks the host for another step; the host answers with that capture.
    await page.evaluate(() => { const s = document.getElementById('step') as HTMLInputElement; s.value = '1'; s.dispatchEvent(new Event('change')); });
    assert.deepEqual((await posted(page)).at(-1), { type: 'requestStep', step: 20 });
    await sendCapture(page, 20, [10, 20]);
    await assertInSync(page, 'after the step slider');
    assert.match(await page.locator('#step-label').innerText(), /^20 \(2\/2\)/);
    // A click on layer 2's row selects it (and enlarges it); a click on a latent column picks that latent.
    await page.click('#rows canvas[data-layer="2"]', { position: { x: 5, y: 5 } });
    assert.equal((await state(page)).layer, 2);
    await assertInSync(page, 'after a click on a layer');
    const { x, y } = await page.evaluate(() => {
      const v = (window as any).__attentionViewer;
      const big = v.big;
      return big.cellCenter(0, 1, 3);
    });
    await page.click('#enlarged-host canvas', { position: { x, y } });
    assert.equal((await state(page)).latent, 3);
    await assertInSync(page, 'after a click on a latent');
    await page.keyboard.press('Escape');
    await page.close();
  });

  it('the Layer dropdown moves the selected row; the default scale uses the colour range and says so; labels on both axes; maps fill the panel; each path alone', async () => {
    const page = await openPanel(browser(), 'attention', 'dark', { width: 1400, height: 900 });
    await sendCapture(page, 10, [10]);
    const s = await state(page);
    assert.equal(s.norm, 'global', 'default normalisation: to the view\'s maximum');
    assert.notEqual(await page.locator('#seq-hi').innerText(), '1.0000', 'the legend names the largest value, not 1');
    await page.evaluate(() => (window as any).__attentionViewer.update({ layer: 1 }));
    assert.deepEqual(await page.evaluate(() => Array.from(document.querySelectorAll('#rows canvas.selected')).map((c) => (c as HTMLElement).dataset.layer)), ['1']);
    await assertInSync(page, 'after update({ layer: 1 })');
    const widths = await page.evaluate(() => Array.from(document.querySelectorAll('#rows canvas')).map((c) => (c as HTMLCanvasElement).width));
    assert.ok(widths.every((w) => w >= 700), `rows ${widths} px wide in a 1,400 px panel`);
    // The latent axis is labelled under each small map, not only when enlarged.
    const layout = await page.evaluate(() => (window as any).__attentionViewer.rowAt(0).layout);
    assert.ok(layout.footerH > 0, 'a footer for latent labels');
    await page.evaluate(() => (window as any).__attentionViewer.update({ paths: 'difference' }));
    await assertInSync(page, 'after showing the difference alone');
    const one = await page.evaluate(() => { const r = (window as any).__attentionViewer.rowAt(0); return { width: r.canvas.width, cellW: r.layout.cellW }; });
    assert.ok(one.width < widths[0] * 0.6, `one map instead of three: ${one.width} vs ${widths[0]} px`);
    assert.ok(one.cellW >= layout.cellW, 'cells no smaller than side by side');
    await screenshot(page, 'attention-difference-only.png');
    assert.deepEqual((page as Page & { llErrors?: string[] }).llErrors, [], 'no script errors');
    await page.close();
  });
});
