// Rendering test of the run comparison panel in headless Chromium.
import * as assert from 'node:assert/strict';
import type { MetricRecord } from '../../src/core/metricRecords';
import { openPanel, post, posted, screenshot, sharedBrowser } from './harness';

function run(label: string, seed: number, acc: number): { name: string; label: string; seed: number; status: string; metrics: MetricRecord[] } {
  const metrics: MetricRecord[] = [];
  for (let step = 1; step <= 200; step++) metrics.push({ type: 'train', step, loss: 2 * Math.exp(-step / (60 + 20 * seed)) + (1 - acc), terms: {} });
  for (const step of [50, 100, 150, 200]) metrics.push({ type: 'eval', step, split: 'val', accuracy: { color: acc * step / 200 }, mean_accuracy: acc * step / 200 });
  return { name: `${label}-s${seed}`, label, seed, status: 'completed', metrics };
}

describe('compare runs (headless Chromium)', function () {
  this.timeout(60000);
  const browser = sharedBrowser();

  it('shows mean ± std across seeds per configuration and overlays the curves', async () => {
    const page = await openPanel(browser(), 'compare');
    const runs = [run('crystal', 1, 0.6), run('crystal', 2, 0.7), run('crystal', 3, 0.8), run('sft', 1, 0.5), run('sft', 2, 0.5)];
    await post(page, { type: 'init', runs });
    await page.waitForSelector('#groups-table');
    const rows = await page.locator('#groups-table tbody tr').allInnerTexts();
    assert.equal(rows.length, 2);
    // crystal: mean 0.7, sample std 0.1 over three seeds; sft: 0.5 ± 0.
    assert.match(rows[0], /^crystal\s+3\s+0\.700 ± 0\.100 \(n=3\)/);
    assert.match(rows[1], /^sft\s+2\s+0\.500 ± 0\.000 \(n=2\)/);
    assert.equal(await page.locator('#groups-table td.best').first().innerText(), '0.700 ± 0.100 (n=3)');
    assert.equal(await page.locator('#runs-table tbody tr').count(), 5);
    assert.equal(await page.locator('#curves .uplot').count(), 2, 'accuracy and loss charts');
    const series = await page.evaluate(() => document.querySelectorAll('#curves .uplot')[0].querySelectorAll('.u-series').length);
    assert.equal(series, 1 + 5, 'x plus one series per run');
    await page.click('#runs-table a[data-run="sft-s2"]');
    assert.deepEqual((await posted(page)).at(-1), { type: 'openRun', name: 'sft-s2' });
    assert.deepEqual((page as typeof page & { llErrors?: string[] }).llErrors, [], 'no script errors or CSP violations');
    await screenshot(page, 'compare-runs.png');
    await page.close();
  });

  it('bolds the best of a scored metric only, never a chance level; wide tables scroll instead of clipping; Export CSV asks the host', async () => {
    const page = await openPanel(browser(), 'compare', 'dark', { width: 700, height: 700 });
    const withChance = (r: ReturnType<typeof run>, chance: number) => ({
      ...r, metrics: r.metrics.map((m) => (m.type === 'eval' ? { ...m, majority: { color: chance }, diagnostics: { answer_latent_attention: chance } } : m)),
    });
    const runs = [withChance(run('a', 1, 0.6), 0.3), withChance(run('b', 1, 0.4), 0.34)];
    for (let i = 0; i < 6; i++) runs.push(withChance(run(`config-with-a-long-name-${i}`, 1, 0.1 * i), 0.2));
    await post(page, { type: 'init', runs });
    await page.waitForSelector('#groups-table');
    const boldHeaders = await page.evaluate(() => {
      const heads = Array.from(document.querySelectorAll("#groups-table thead th")).map((th) => th.textContent);
      return Array.from(document.querySelectorAll("#groups-table td.best")).map((td) => heads[(td as HTMLTableCellElement).cellIndex]);
    });
    assert.ok(boldHeaders.includes('mean_accuracy'), `bold: ${boldHeaders}`);
    assert.ok(!boldHeaders.some((h) => /^chance\.|diagnostics\./.test(h ?? '')), `a chance level or diagnostic is bolded: ${boldHeaders}`);
    const fit = await page.evaluate(() => {
      const box = document.getElementById('groups')!;
      const table = document.getElementById('groups-table')!;
      return { boxRight: box.getBoundingClientRect().right, viewport: window.innerWidth, tableWidth: table.scrollWidth, boxWidth: box.clientWidth, overflow: getComputedStyle(box).overflowX };
    });
    assert.ok(fit.boxRight <= fit.viewport, `the table box ends at ${fit.boxRight}px in a ${fit.viewport}px panel`);
    assert.ok(fit.tableWidth <= fit.boxWidth || fit.overflow === 'auto', `a ${fit.tableWidth}px table in a ${fit.boxWidth}px box must scroll`);
    await page.click('#export-csv');
    assert.deepEqual((await posted(page)).at(-1), { type: 'exportCsv' });
    await screenshot(page, 'compare-runs-narrow.png');
    await page.close();
  });

  it('draws mean accuracy against a swept learning rate', async () => {
    const page = await openPanel(browser(), 'compare');
    const swept = (lr: string, seed: number, acc: number) => ({ ...run(`abl lr=${lr}`, seed, acc), name: `abl/0-lr=${lr},seed=${seed}`, params: { lr } });
    await post(page, { type: 'init', runs: [swept('0.0001', 0, 0.4), swept('0.0001', 1, 0.5), swept('0.001', 0, 0.6), swept('0.01', 0, 0.3)] });
    await page.waitForSelector('#swept .uplot');
    assert.equal(await page.locator('#swept-section').isVisible(), true);
    const data = await page.evaluate(() => {
      const u = (window as any).__compare.sweptCharts[0];
      return { title: u.root.querySelector('.u-title').textContent, x: Array.from(u.data[0]), mean: Array.from(u.data[1]) };
    });
    assert.equal(data.title, 'mean_accuracy vs lr');
    assert.deepEqual(data.x, [0.0001, 0.001, 0.01]);
    assert.deepEqual((data.mean as number[]).map((v) => Math.round(v * 1000) / 1000), [0.45, 0.6, 0.3]);
    await screenshot(page, 'compare-swept-parameter.png');
    await page.close();
  });
});

