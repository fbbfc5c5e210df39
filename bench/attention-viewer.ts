// Benchmark of the attention viewer in headless Chromium with the large
// capture: 32 layers × 16 heads × 64 answer tokens × 32 latents × 2 paths
// (+ latent→image over 8×8 patches), 2 examples. Times are measured inside the
// page with performance.now(). Run: npx tsc -p . && node out/bench/attention-viewer.js
import { encodeCapture } from '../src/core/capture';
import { syntheticCapture } from '../src/core/capture/synthetic';
import { launchChromium, openPanel, toBase64 } from '../test/webview/harness';

const stats = (xs: number[]): { median: number; max: number; n: number } => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: +s[Math.floor(s.length / 2)].toFixed(2), max: +s[s.length - 1].toFixed(2), n: s.length };
};

async function main(): Promise<void> {
  const cap = syntheticCapture({ layers: 32, heads: 16, answers: 64, latents: 32, patchGrid: [8, 8], imageSize: 64, examples: 2 });
  const bytes = encodeCapture(cap);
  const browser = await launchChromium({ skip: () => { throw new Error('chromium missing'); } } as unknown as Mocha.Context);
  const page = await openPanel(browser, 'attention', 'dark', { width: 1400, height: 900 });
  // The host may post the bytes as a Uint8Array (structured clone, the fast path) or base64; both are timed.
  await page.evaluate((b64) => {
    const w = window as unknown as { __b64: string; __u8: Uint8Array };
    w.__b64 = b64;
    w.__u8 = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  }, toBase64(bytes));
  const r = await page.evaluate(async () => {
    type V = { update(c: object): void; hover(row: unknown, r: number, c: number, x: number, y: number): void; rowAt(l: number): unknown };
    const w = window as unknown as { __b64: string; __attentionViewer: V };
    const v = w.__attentionViewer;
    const frame = (): Promise<number> => new Promise((res) => requestAnimationFrame(() => res(performance.now())));
    const b0 = performance.now();
    window.dispatchEvent(new MessageEvent('message', { data: { type: 'capture', step: 1000, steps: [500, 1000], bytes: w.__b64 } }));
    const base64Ms = performance.now() - b0;
    await frame();
    const t0 = performance.now();
    window.dispatchEvent(new MessageEvent('message', { data: { type: 'capture', step: 1000, steps: [500, 1000], bytes: (w as unknown as { __u8: Uint8Array }).__u8 } }));
    const tSync = performance.now();
    const tFrame = await frame();
    const time = (fn: () => void): number => { const a = performance.now(); fn(); return performance.now() - a; };
    const head: number[] = [];
    const norm: number[] = [];
    const hover: number[] = [];
    for (const h of [3, 'max', 7, 'mean', 0, 15, 'max', 'mean', 1, 2]) { head.push(time(() => v.update({ head: h }))); await frame(); }
    for (const n of ['row', 'global', 'raw', 'row', 'global', 'raw']) { norm.push(time(() => v.update({ norm: n }))); await frame(); }
    for (let i = 0; i < 60; i++) { const row = v.rowAt(i % 3); hover.push(time(() => v.hover(row, (i * 7) % 64, (i * 5) % 32, 200, 200))); }
    const example = time(() => v.update({ example: 1 }));
    return { base64Ms, decodeAndFirstRenderMs: tSync - t0, firstFrameMs: tFrame - t0, head, norm, hover, exampleSwitchMs: example };
  });
  await browser.close();
  console.log(JSON.stringify({
    capture: { bytes: bytes.length, layers: 32, heads: 16, answers: 64, latents: 32, patches: 64, paths: 2, examples: 2 },
    firstRenderMs: +r.decodeAndFirstRenderMs.toFixed(1),
    firstRenderFromBase64Ms: +r.base64Ms.toFixed(1),
    firstFrameMs: +r.firstFrameMs.toFixed(1),
    changeHeadMs: stats(r.head),
    changeNormalisationMs: stats(r.norm),
    hoverMs: stats(r.hover),
    changeExampleMs: +r.exampleSwitchMs.toFixed(1),
  }, null, 2));
}

main().catch((e) => { console.error(e); process.exit(1); });
