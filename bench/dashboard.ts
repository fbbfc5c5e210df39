// Benchmark of the dashboard in headless Chromium: init with 10,000 training
// records (4 loss terms + lr) and 100 evaluations, then single-record appends.
// An append is timed two ways: script time (the message handler plus uPlot's
// redraw, which it defers to a microtask) and time to the next task (setTimeout 0,
// which also includes the browser's own paint of the page, software-rendered here).
// Run: npx tsc -p . && node out/bench/dashboard.js
import { launchChromium, openPanel } from '../test/webview/harness';

async function main(): Promise<void> {
  const browser = await launchChromium({ skip: () => { throw new Error('chromium missing'); } } as unknown as Mocha.Context);
  const page = await openPanel(browser, 'dashboard', 'dark', { width: 1400, height: 900 });
  const r = await page.evaluate(async () => {
    const train = (step: number): object => ({ type: 'train', step, epoch: 0, lr: 3e-4, loss: 2 / Math.sqrt(step) + 0.1 * Math.sin(step), terms: { ce_intact: 1 / Math.sqrt(step), ce_corrupted: 1.2 / Math.sqrt(step), kl: 0.1 * Math.random(), attention: 0.01 * Math.random() }, examples_per_s: 100 });
    const evalRec = (step: number): object => ({ type: 'eval', step, split: 'val', accuracy: { color: Math.random(), count: Math.random() }, mean_accuracy: Math.random(), diagnostics: { answer_latent_attention: Math.random() } });
    const metrics: object[] = [];
    for (let s = 1; s <= 10000; s++) { metrics.push(train(s)); if (s % 100 === 0) metrics.push(evalRec(s)); }
    const task = (): Promise<void> => new Promise((res) => setTimeout(res, 0));
    const t0 = performance.now();
    window.dispatchEvent(new MessageEvent('message', { data: { type: 'init', run: { name: 'bench', status: 'running' }, metrics } }));
    await task();
    const init = performance.now() - t0;
    const microtasks = async (): Promise<void> => { for (let i = 0; i < 3; i++) await Promise.resolve(); };
    const appendScript: number[] = [];
    for (let s = 10001; s <= 10100; s++) {
      const a = performance.now();
      window.dispatchEvent(new MessageEvent('message', { data: { type: 'append', metrics: [train(s)] } }));
      await microtasks();
      appendScript.push(performance.now() - a);
      await task();
    }
    const appendTrain: number[] = [];
    const appendEval: number[] = [];
    for (let s = 10101; s <= 10200; s++) {
      const a = performance.now();
      window.dispatchEvent(new MessageEvent('message', { data: { type: 'append', metrics: [train(s)] } }));
      await task();
      appendTrain.push(performance.now() - a);
      if (s % 20 === 0) {
        const b = performance.now();
        window.dispatchEvent(new MessageEvent('message', { data: { type: 'append', metrics: [evalRec(s)] } }));
        await task();
        appendEval.push(performance.now() - b);
      }
    }
    return { init, appendScript, appendTrain, appendEval };
  });
  await browser.close();
  const stats = (xs: number[]): object => { const s = [...xs].sort((a, b) => a - b); return { median: +s[s.length >> 1].toFixed(2), p95: +s[Math.floor(s.length * 0.95)].toFixed(2), max: +s[s.length - 1].toFixed(2), n: s.length }; };
  console.log(JSON.stringify({ points: 10000, charts: 6, initMs: +r.init.toFixed(1), appendTrainScriptMs: stats(r.appendScript), appendTrainToNextTaskMs: stats(r.appendTrain), appendEvalMs: stats(r.appendEval) }, null, 2));
}

main().catch((e) => { console.error(e); process.exit(1); });
