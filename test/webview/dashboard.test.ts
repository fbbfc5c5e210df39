// Rendering tests of the run dashboard in headless Chromium.
import * as assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { MetricRecord } from '../../src/core/metricRecords';
import { openPanel, post, screenshot, sharedBrowser } from './harness';

export function trainRecords(from: number, n: number): MetricRecord[] {
  return Array.from({ length: n }, (_, i) => {
    const step = from + i;
    const ce = 2.5 * Math.exp(-step / 400) + 0.3 + 0.05 * Math.sin(step);
    return { type: 'train', step, epoch: Math.floor(step / 100), lr: 3e-4, loss: ce + 0.1, terms: { ce, kl: 0.1 * Math.exp(-step / 300) }, examples_per_s: 120 };
  });
}

export function evalRecords(steps: number[]): MetricRecord[] {
  return steps.map((step, i) => ({
    type: 'eval', step, split: 'val',
    accuracy: { color: 0.3 + 0.1 * i, count: 0.25 + 0.05 * i },
    mean_accuracy: 0.275 + 0.075 * i,
    majority: { color: 0.2, count: 0.25 - 0.01 * i },
    diagnostics: { answer_latent_attention: 0.1 + 0.01 * i, drop_latents: { accuracy: { color: 0.3 }, mean_accuracy: 0.2 + 0.001 * i } },
  }));
}

const RUN = { name: 'crystal-seed1', status: 'running', backend: 'wasm', method: 'crystal', dir: '/runs/crystal-seed1', config: { 'model.d': 64, 'latents.k': 8, 'method.kind': 'crystal' } };

/** Number of points each chart holds (x array length), by title. */
async function chartPoints(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() => {
    const d = (window as any).__dashboard;
    const out: Record<string, number> = {};
    for (const [name, c] of d.trainCharts) out[name] = c.plot.data[0].length;
    if (d.evalChart) out.eval = d.evalChart.plot.data[0].length;
    return out;
  });
}

describe('dashboard (headless Chromium)', function () {
  this.timeout(60000);
  const browser = sharedBrowser();

  it('draws N points per loss term and the eval accuracy, and tabulates the diagnostics', async () => {
    const page = await openPanel(browser(), 'dashboard');
    await post(page, { type: 'init', run: RUN, metrics: [...trainRecords(1, 300), ...evalRecords([100, 200, 300])] });
    await page.waitForSelector('#diagnostics-table');
    assert.deepEqual(await chartPoints(page), { loss: 300, ce: 300, kl: 300, lr: 300, eval: 3 });
    const table = await page.locator('#diagnostics-table').innerText();
    assert.match(table, /step 100\s+step 200\s+step 300/);
    assert.match(table, /answer_latent_attention\s+0\.1\s+0\.11\s+0\.12/);
    assert.match(table, /drop_latents\.mean_accuracy\s+0\.2\s+0\.201\s+0\.202/);
    assert.match(await page.locator('#config').innerText(), /latents\.k\s+8/);
    assert.equal(await page.locator('#eval-chance').innerText(), 'chance (majority answer): color 20.0%, count 23.0%', 'the latest eval\'s chance level');
    // The loss curve is drawn: the chart canvas holds pixels in the first series' colour.
    const blue = await page.evaluate(() => {
      const canvas = document.querySelector('#train-charts .chart canvas') as HTMLCanvasElement;
      const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - 0x37) < 30 && Math.abs(d[i + 1] - 0x94) < 30 && d[i + 2] > 200) n++;
      return n;
    });
    assert.ok(blue > 100, `the loss line is drawn (${blue} line pixels)`);
    await post(page, { type: 'append', metrics: [...trainRecords(301, 50), ...evalRecords([350])] });
    await page.waitForFunction(() => (window as any).__dashboard.evalChart.plot.data[0].length === 4);
    assert.equal((await chartPoints(page)).ce, 350);
    assert.deepEqual(await page.evaluate(() => (window as any).__latentLabState), { run: { name: RUN.name, dir: RUN.dir } });
    assert.deepEqual((page as Page & { llErrors?: string[] }).llErrors, [], 'no script errors or CSP violations');
    await screenshot(page, 'dashboard-dark.png');
    await page.close();
  });

  it('decimates 20,000 points to at most 801 per chart, keeping the extremes', async () => {
    const page = await openPanel(browser(), 'dashboard', 'light');
    const records = trainRecords(1, 20000);
    (records[12345] as { loss: number }).loss = 99;   // one spike must survive decimation
    await post(page, { type: 'init', run: RUN, metrics: records });
    await page.waitForSelector('#train-charts .chart');
    const pts = await chartPoints(page);
    assert.ok(pts.loss <= 801 && pts.loss > 400, `loss chart holds ${pts.loss} points`);
    const max = await page.evaluate(() => Math.max(...(window as any).__dashboard.trainCharts.get('loss').plot.data[1]));
    assert.equal(max, 99);
    await screenshot(page, 'dashboard-light.png');
    await page.close();
  });

  it('shows a failed status with its message', async () => {
    const page = await openPanel(browser(), 'dashboard');
    await post(page, { type: 'init', run: RUN, metrics: trainRecords(1, 10) });
    await post(page, { type: 'status', status: 'failed', message: 'engine exited with code 1: NaN loss at step 11' });
    await page.waitForSelector('#status-message.error:not([hidden])');
    assert.match(await page.locator('#status-message').innerText(), /NaN loss at step 11/);
    assert.equal(await page.locator('#status').innerText(), 'failed');
    await page.close();
  });
});
