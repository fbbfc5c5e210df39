// The user's path from an experiment file to its results, through the real workbench UI:
// write a tiny LIVR experiment, open it, run "Latent Lab: Train Experiment" from the
// command palette, wait for its summary.json to say completed, see the run in the Runs
// view, open the dashboard and the attention viewer from the palette and check inside
// their webviews that they drew the run's data. Screenshots go to the artifacts folder.
// The steps are appended to ui.ts's list (they run after the editor steps, same page).

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame, Page } from 'playwright-core';

type Step = [string, (page: Page) => Promise<void>];

const NAME = 'tiny-ui';
const FILE = `${NAME}.experiment.yaml`;
// Small enough to train in seconds on the wasm backend; eval captures attention for the viewer.
const TINY_LIVR = `name: ${NAME}
seed: 0
data:
  source: synthetic
  image_size: 16
  tasks:
    - { name: counting, train: 64, val: 16, test: 16 }
model: { patch_size: 4, d_model: 16, layers: 1, heads: 2 }
latents: { count: 2 }
method:
  kind: livr
  livr: { stage1_epochs: 1, stage2_epochs: 1 }
train: { batch_size: 8, log_every: 1, checkpoint_every: 0 }
eval:
  max_examples: 16
  diagnostics: [drop_latents, answer_latent_attention]
  capture: { examples: 2, layers: all }
`;

async function poll<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Runs a command by its palette title (F1, type, Enter on the focused match). */
async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 15000 });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-widget .monaco-list-row.focused', { hasText: title }).first().waitFor({ timeout: 15000 });
  await page.keyboard.press('Enter');
}

/** Answers a run quick pick ("Run to show") by choosing the row of `runFolder`. */
async function pickRun(page: Page, runFolder: string): Promise<void> {
  await page.locator('.quick-input-widget .monaco-list-row.focused', { hasText: runFolder }).first().waitFor({ timeout: 15000 });
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 15000 });
}

/** The webview content frame (inside VS Code's two iframes) that has `selector`. */
async function webviewFrame(page: Page, selector: string, what: string): Promise<Frame> {
  return poll(what, async () => {
    for (const f of page.frames()) if (await f.locator(selector).count().catch(() => 0) > 0) return f;
    return undefined;
  }, 30000);
}

export function runSteps(folder: string, artifacts: string): Step[] {
  let runDir = '';
  const runFolder = () => path.basename(runDir);
  return [
    ['a tiny LIVR experiment written into the workspace opens in the editor', async (page) => {
      fs.rmSync(path.join(folder, 'runs'), { recursive: true, force: true });
      fs.writeFileSync(path.join(folder, FILE), TINY_LIVR);
      await page.locator('.explorer-folders-view .monaco-list-row', { hasText: FILE }).first().click({ timeout: 30000 });
      await page.locator('.editor-instance .monaco-editor .view-lines', { hasText: 'kind: livr' }).first().waitFor({ timeout: 30000 });
    }],
    ['Latent Lab: Train Experiment from the palette runs it to completed (summary.json)', async (page) => {
      await runCommand(page, 'Latent Lab: Train Experiment');
      const runsRoot = path.join(folder, 'runs');
      runDir = await poll('a completed run under runs/ (summary.json)', () => {
        const dirs = fs.existsSync(runsRoot) ? fs.readdirSync(runsRoot).filter((d) => d.endsWith(`-${NAME}`)) : [];
        for (const d of dirs) {
          const file = path.join(runsRoot, d, 'summary.json');
          if (!fs.existsSync(file)) continue;
          let s: { status?: string; error?: string };
          try { s = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof s; } catch { continue; }   // mid-write
          if (s.status === 'failed' || s.status === 'stopped') throw new Error(`the run ${s.status}: ${s.error ?? ''}`);
          if (s.status === 'completed') return path.join(runsRoot, d);
        }
        return undefined;
      }, 120000);
      if (!fs.readdirSync(path.join(runDir, 'captures')).some((f) => f.endsWith('.llcap'))) throw new Error('the run wrote no attention capture');
    }],
    ['the Runs view lists the run as completed', async (page) => {
      await page.locator('.activitybar [aria-label^="Latent Lab"]').first().click();
      const row = page.locator('.pane-body .monaco-list-row', { hasText: runFolder() });
      const done = row.filter({ hasText: 'completed' }).first();
      // One run in three the row was missing or stale after 30 s: refresh once from the palette and say so.
      if (!(await done.waitFor({ timeout: 10000 }).then(() => true, () => false))) {
        console.log(`    (Runs view did not show ${runFolder()} completed within 10 s: ran Latent Lab: Refresh Runs)`);
        await runCommand(page, 'Latent Lab: Refresh Runs');
        await done.waitFor({ timeout: 20000 });
      }
      await page.locator('.pane-body .monaco-list-row', { hasText: NAME }).first().waitFor();
      await page.screenshot({ path: path.join(artifacts, 'runs-view-vscode.png') });
    }],
    ['Latent Lab: Open Dashboard shows the run\'s charts and diagnostics', async (page) => {
      await runCommand(page, 'Latent Lab: Open Dashboard');
      await pickRun(page, runFolder());
      const frame = await webviewFrame(page, '#diagnostics-table', 'the dashboard webview with its diagnostics table');
      const name = await frame.locator('#run-name').textContent();
      if (name !== NAME) throw new Error(`dashboard shows run "${name}", not ${NAME}`);
      await frame.locator('#status', { hasText: 'completed' }).waitFor({ timeout: 15000 });
      const charts = await frame.locator('#train-charts canvas').count();
      const evalCharts = await frame.locator('#eval-chart canvas').count();
      if (charts === 0 || evalCharts === 0) throw new Error(`uPlot canvases missing: ${charts} training, ${evalCharts} evaluation`);
      const cells = await frame.locator('#diagnostics-table td.num').allTextContents();
      if (!cells.some((c) => /^\d*\.?\d+(e-?\d+)?$/.test(c.trim()))) throw new Error(`diagnostics table has no numbers: ${cells.join(', ')}`);
      // The tiny run is 16 steps under the default 50-step warmup: the config table must say so.
      const schedule = (await frame.locator('#config tr', { hasText: 'train.schedule' }).textContent()) ?? '';
      if (!/longer than the run's \d+ steps/.test(schedule)) throw new Error(`the config table does not say the warmup outlasts the run: "${schedule}"`);
      await frame.locator('#diagnostics-table').scrollIntoViewIfNeeded();   // the picture shows accuracy and diagnostics
      await page.screenshot({ path: path.join(artifacts, 'dashboard-vscode.png') });
    }],
    ['Latent Lab: Open Attention Viewer draws the run\'s attention heatmaps', async (page) => {
      await runCommand(page, 'Latent Lab: Open Attention Viewer');
      await pickRun(page, runFolder());
      const frame = await webviewFrame(page, '#rows canvas.layer-row', 'the attention viewer webview with a heatmap');
      if (await frame.locator('#message.error:not([hidden])').count() > 0) throw new Error(`attention viewer error: ${await frame.locator('#message').textContent()}`);
      if (await frame.locator('#content').isHidden()) throw new Error('attention viewer content is hidden');
      // Painted, not just allocated: some pixel of the first heatmap has colour.
      const painted = await frame.locator('#rows canvas.layer-row').first().evaluate((c: HTMLCanvasElement) => {
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
        return n;
      });
      if (painted === 0) throw new Error('the heatmap canvas is blank');
      // One selection state (issue 13): after › the Example dropdown names the example the view shows.
      await frame.locator('#next').click();
      const synced = await frame.waitForFunction(() => {
        const viewer = (window as unknown as { __attentionViewer: { state: { example: number } } }).__attentionViewer;
        const select = document.getElementById('example') as HTMLElement & { value: string };
        return viewer.state.example === 1 && select.value === '1';
      }, undefined, { timeout: 10000 }).then(() => true, () => false);
      if (!synced) {
        const seen = await frame.evaluate(() => `${(document.getElementById('example') as HTMLElement & { value: string }).value} vs state ${(window as unknown as { __attentionViewer: { state: { example: number } } }).__attentionViewer.state.example}`);
        throw new Error(`after › the Example dropdown is stale: ${seen}`);
      }
      await page.screenshot({ path: path.join(artifacts, 'attention-vscode.png') });
    }],
    ['after a window reload the attention viewer and the dashboard come back (serializers + setState)', async (page) => {
      page.on('dialog', (d) => { void d.accept(); });   // an unsaved editor may ask before unload
      // The workbench's own reload shuts down properly (layout and webview state are saved);
      // a bare page.reload() can race the storage flush.
      const navigated = page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame(), timeout: 60000 });
      await runCommand(page, 'Developer: Reload Window');
      await navigated;
      await page.locator('.monaco-workbench').waitFor({ timeout: 90000 });
      const viewer = await webviewFrame(page, '#rows canvas.layer-row', 'the attention viewer restored after the reload');
      if (await viewer.locator('#message.error:not([hidden])').count() > 0) throw new Error(`restored attention viewer shows an error: ${await viewer.locator('#message').textContent()}`);
      await page.locator('.tabs-container .tab', { hasText: `Run: ${runFolder()}` }).first().click({ timeout: 30000 });
      const dashboard = await webviewFrame(page, '#diagnostics-table', 'the dashboard restored after the reload');
      const name = await dashboard.locator('#run-name').textContent();
      if (name !== NAME) throw new Error(`restored dashboard shows run "${name}", not ${NAME}`);
      await page.screenshot({ path: path.join(artifacts, 'restored-after-reload-vscode.png') });
    }],
  ];
}
