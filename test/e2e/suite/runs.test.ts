// Running experiments from a real VS Code: train a tiny experiment through the
// command and see it complete (summary, Runs view, dashboard); stop one midway and
// find its checkpoint; kill the engine child and see the run failed with its log;
// an invalid file refused; the dashboard restored by its serializer's deserialize
// path (called directly: a real window reload is impractical inside the test host).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readSummary } from '../../../src/core/runLayout';
import type { LatentLabApi } from '../../../src/extension/main';
import { restoreDashboard } from '../../../src/extension/panels/serializers';
import type { ManagedRun } from '../../../src/extension/runs/runManager';
import type { RunsNode } from '../../../src/extension/views/runsTree';

const tiny = (name: string, train: number, epochs: number) => `name: ${name}
seed: 0
data:
  source: synthetic
  image_size: 16
  tasks:
    - { name: counting, train: ${train}, val: 16, test: 16 }
model: { patch_size: 4, d_model: 16, layers: 1, heads: 2 }
latents: { count: 0 }
method: { kind: sft }
train: { epochs: ${epochs}, batch_size: 8, log_every: 1, checkpoint_every: 0 }
eval: { max_examples: 16, diagnostics: [] }
`;

function write(name: string, text: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
  const file = path.join(folder, `${name}.experiment.yaml`);
  fs.writeFileSync(file, text);
  return vscode.Uri.file(file);
}

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 60000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('Latent Lab in VS Code: running experiments', function () {
  this.timeout(120000);
  let api: LatentLabApi;
  before(async () => {
    const ext = vscode.extensions.getExtension<LatentLabApi>('latent-lab.latent-lab')!;
    api = await ext.activate();
  });

  it('trains a tiny experiment to completion: summary, Runs view, dashboard', async () => {
    const uri = write('tiny-e2e', tiny('tiny-e2e', 64, 1));
    const run = await vscode.commands.executeCommand<ManagedRun>('latentLab.train', uri);
    assert.ok(run && 'done' in run, `train did not start a run: ${JSON.stringify(run)}`);
    const done = await run.done;
    assert.equal(done.status, 'completed', done.error);
    assert.equal(readSummary(done.runDir!)?.status, 'completed');
    const exps = await api.tree.getChildren();
    const exp = exps.find((n) => n.kind === 'experiment' && n.exp.name === 'tiny-e2e');
    assert.ok(exp, 'the experiment is in the Runs view');
    const runs = await api.tree.getChildren(exp) as RunsNode[];
    const node = runs.find((n) => n.kind === 'run' && n.dir === done.runDir);
    assert.ok(node, 'the run is under its experiment');
    assert.match(String(api.tree.getTreeItem(node).description), /^completed/);
    await until('the dashboard panel', () => api.dashboards.get(done.runDir!));
  });

  it('refuses an invalid file and names its first problem', async () => {
    const uri = write('bad-e2e', tiny('bad-e2e', 64, 1).replace('heads: 2', 'heads: 3'));
    const before = api.runs.manager.runs().length;
    const r = await vscode.commands.executeCommand<{ refused?: string }>('latentLab.train', uri);
    assert.match(String(r?.refused), /bad-e2e\.experiment\.yaml is not valid and was not started .*line \d+/);
    assert.equal(api.runs.manager.runs().length, before, 'no run was queued');
  });

  it('stops a run midway: status stopped, with a checkpoint', async () => {
    const uri = write('long-e2e', tiny('long-e2e', 2000, 20));
    const run = await vscode.commands.executeCommand<ManagedRun>('latentLab.train', uri);
    await until('a few steps', () => run.step >= 3);
    assert.equal(await vscode.commands.executeCommand('latentLab.stop', run.runDir), true);
    const done = await run.done;
    assert.equal(done.status, 'stopped');
    const s = readSummary(done.runDir!)!;
    assert.equal(s.status, 'stopped');
    assert.ok(s.latest_checkpoint && fs.existsSync(path.join(done.runDir!, 'checkpoints', s.latest_checkpoint, 'weights.bin')), 'a checkpoint of the stop');
  });

  it('a killed engine child marks the run failed and keeps its log', async () => {
    const uri = write('kill-e2e', tiny('kill-e2e', 2000, 20));
    const run = await vscode.commands.executeCommand<ManagedRun>('latentLab.train', uri);
    await until('a few steps', () => run.step >= 2);
    process.kill(run.pid!, 'SIGKILL');
    const done = await run.done;
    assert.equal(done.status, 'failed');
    const s = readSummary(done.runDir!)!;
    assert.equal(s.status, 'failed');
    assert.match(s.error!, /killed \(SIGKILL\)/);
    assert.match(fs.readFileSync(path.join(done.runDir!, 'train.log'), 'utf8'), /step \d+ epoch 1/);
  });

  it('restores a dashboard from its saved webview state (serializer deserialize path)', async () => {
    const dir = api.runs.manager.runs().find((r) => r.status === 'completed')!.runDir!;
    const panel = vscode.window.createWebviewPanel('latentLab.dashboard', 'restored', vscode.ViewColumn.Active, { enableScripts: true });
    const restored = restoreDashboard(vscode.extensions.getExtension('latent-lab.latent-lab')!.extensionUri, panel, { run: { name: 'x', dir } });
    assert.ok(restored, 'a dashboard was attached to the panel');
    assert.equal(restored.runDir, dir);
    assert.match(panel.webview.html, /script-src 'nonce-[A-Za-z0-9]+'/);
    assert.match(panel.webview.html, /dashboard\.js/);
    const gone = vscode.window.createWebviewPanel('latentLab.dashboard', 'gone', vscode.ViewColumn.Active, {});
    assert.equal(restoreDashboard(vscode.Uri.file('/'), gone, { run: { dir: '/nonexistent/run' } }), undefined);
    assert.match(gone.webview.html, /no longer exists/);
    panel.dispose(); gone.dispose();
  });
});
