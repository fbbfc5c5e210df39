// Values read from run files are text, never markup: a metrics record whose `split`,
// or a run whose `seed` / `status` / `label`, holds HTML must show as that text
// and create no element (a run directory is data anyone could have written).
import * as assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { openPanel, post, sharedBrowser } from './harness';

const PAYLOAD = '<img id="injected" src="x">';

async function injectedElements(page: Page): Promise<number> {
  return page.evaluate(() => document.querySelectorAll('#injected, img').length);
}

describe('panels escape values from run files (headless Chromium)', function () {
  this.timeout(60000);
  const browser = sharedBrowser();

  it('dashboard: an eval record\'s split shows as text in the diagnostics table', async () => {
    const page = await openPanel(browser(), 'dashboard');
    const run = { name: 'r', status: 'completed', method: 'livr', dir: '/runs/r', config: {} };
    const record = { type: 'eval', step: 5, split: PAYLOAD, accuracy: { a: 0.5 }, mean_accuracy: 0.5, diagnostics: { answer_latent_attention: 0.1 } };
    await post(page, { type: 'init', run, metrics: [record] });
    await page.waitForSelector('#diagnostics-table');
    assert.equal(await injectedElements(page), 0, 'the split became an element');
    assert.ok((await page.locator('#diagnostics-table').innerText()).includes(`step 5 (${PAYLOAD})`));
    await page.close();
  });

  it('compare: a run\'s seed, status and label show as text', async () => {
    const page = await openPanel(browser(), 'compare');
    const metrics = [{ type: 'eval', step: 1, split: 'val', accuracy: { a: 0.5 }, mean_accuracy: 0.5 }];
    await post(page, { type: 'init', runs: [{ name: 'r1', label: PAYLOAD, seed: PAYLOAD, status: PAYLOAD, metrics }] });
    await page.waitForSelector('#runs-table');
    assert.equal(await injectedElements(page), 0, 'a run field became an element');
    const row = await page.locator('#runs-table tbody tr').first().innerText();
    assert.equal(row.split(PAYLOAD).length - 1, 3, `label, seed and status as text: ${row}`);
    await page.close();
  });
});
