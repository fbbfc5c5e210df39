// What a new user meets in a real VS Code (issue 13): test folders stay out of the
// Runs view, Compare Runs counts a run once, a sweep is one group labelled by what
// differs, and New Experiment writes a file that validates where it is written.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { validateExperimentFile } from '../../../src/core/validator';
import type { LatentLabApi } from '../../../src/extension/main';
import type { ComparePanel } from '../../../src/extension/panels/comparePanel';
import type { RunsNode } from '../../../src/extension/views/runsTree';

const workspace = (): string => vscode.workspace.workspaceFolders![0].uri.fsPath;

/** A finished run directory by hand: what the Runs view and Compare Runs read. */
function fakeRun(dir: string, name: string, seed: number, acc: number): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ name, seed }));
  fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify({ name, status: 'completed', step: 4, total_steps: 4, method: 'sft' }));
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), `${JSON.stringify({ type: 'eval', step: 4, split: 'val', accuracy: { counting: acc }, mean_accuracy: acc, diagnostics: {} })}\n`);
}

const tinyExperiment = (name: string) => `name: ${name}
data: { source: synthetic, image_size: 16, tasks: [{ name: counting, train: 8, val: 8, test: 8 }] }
model: { patch_size: 4, d_model: 16, layers: 1, heads: 2 }
latents: { count: 0 }
method: { kind: sft }
`;

describe('Latent Lab in VS Code: a fresh workspace reads right', function () {
  this.timeout(60000);
  let api: LatentLabApi;
  before(async () => { api = await vscode.extensions.getExtension<LatentLabApi>('latent-lab.latent-lab')!.activate(); });

  it('lists no experiment from a .e2e test folder in the Runs view', async () => {
    const hidden = path.join(workspace(), '.e2e', 'extensions', 'copy', 'examples');
    fs.mkdirSync(hidden, { recursive: true });
    fs.writeFileSync(path.join(hidden, 'leaked-copy.experiment.yaml'), tinyExperiment('leaked-copy'));
    fs.writeFileSync(path.join(workspace(), 'visible-one.experiment.yaml'), tinyExperiment('visible-one'));
    const names = (await api.tree.getChildren()).map((n) => (n.kind === 'experiment' ? n.exp.name : ''));
    assert.ok(names.includes('visible-one'), `the workspace's own experiment is listed: ${names.join(', ')}`);
    assert.ok(!names.includes('leaked-copy'), `an experiment under .e2e/ is listed: ${names.join(', ')}`);
  });

  it('the Runs view marks the examples valid: it confines paths as the language server does (workspace folders, latentLab.allowedPaths)', async () => {
    const rows = (await api.tree.getChildren()).flatMap((n) => (n.kind === 'experiment' ? [n.exp] : []));
    for (const name of ['livr', 'sft-baseline']) {
      const row = rows.find((e) => e.name === name);
      assert.ok(row, `${name} is listed: ${rows.map((e) => e.name).join(', ')}`);
      assert.ok(row.valid, `${name} is marked invalid in the Runs view`);
    }
  });

  it('Compare Runs counts a run picked twice, or through a symlink, once', async () => {
    const dir = path.join(workspace(), 'runs', '20260101-000000-visible-one');
    fakeRun(dir, 'visible-one', 0, 0.34);
    const link = path.join(workspace(), 'runs-link');
    if (!fs.existsSync(link)) fs.symlinkSync(path.join(workspace(), 'runs'), link);
    const panel = await vscode.commands.executeCommand<ComparePanel>('latentLab.compareRuns', [dir, dir, path.join(link, path.basename(dir))]);
    assert.deepEqual(panel.runDirs, [dir]);
    assert.equal(panel.panel.title, 'Compare 1 runs');
    panel.panel.dispose();
  });

  it('shows a sweep as one group whose runs are labelled by what differs', async () => {
    const sweep = path.join(workspace(), 'runs', '20260101-000001-visible-one');
    for (const [i, sub] of ['lr=0.001,seed=0', 'lr=0.001,seed=1', 'lr=0.01,seed=0'].entries()) fakeRun(path.join(sweep, `0${i}-${sub}`), 'visible-one', i, 0.3 + 0.01 * i);
    const exp = (await api.tree.getChildren()).find((n) => n.kind === 'experiment' && n.exp.name === 'visible-one')!;
    const children = await api.tree.getChildren(exp) as RunsNode[];
    const group = children.find((n) => n.kind === 'sweep');
    assert.ok(group && group.kind === 'sweep', `no sweep group: ${children.map((c) => c.kind).join(', ')}`);
    assert.equal(children.filter((n) => n.kind === 'run' && n.dir.startsWith(sweep)).length, 0, 'sweep runs sit inside the group only');
    assert.match(String(api.tree.getTreeItem(group).description), /sweep · 3 runs · 3 completed/);
    const labels = (await api.tree.getChildren(group)).map((n) => String(api.tree.getTreeItem(n).label));
    assert.deepEqual(labels, ['lr=0.001 · seed 0', 'lr=0.001 · seed 1', 'lr=0.01 · seed 0']);
    assert.equal(api.tree.getTreeItem(group).command?.command, 'latentLab.compareRuns', 'one view for the group');
  });

  it('New Experiment writes a template that validates where it is written', async () => {
    const written = vscode.commands.executeCommand<vscode.Uri | undefined>('latentLab.newExperiment');
    // Accept the template quick pick (the first: crystal), then the name box (its default, my-crystal).
    for (let i = 0; i < 2; i++) {
      await new Promise((r) => setTimeout(r, 1500));
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    }
    const uri = await written;
    assert.ok(uri, 'the command wrote a file');
    // Validated as the installed extension validates it (its own bundle: the base it ships is its models/).
    const ext = vscode.extensions.all.find((e) => e.packageJSON?.name === 'latent-lab');
    assert.ok(ext, 'the extension is installed');
    const installed = require(path.join(ext.extensionPath, 'dist', 'extension-validator.js')) as { validateExperimentFile: typeof validateExperimentFile };
    const result = installed.validateExperimentFile(uri.fsPath);
    const errors = result.problems.filter((p) => p.severity === 'error').map((p) => `${p.path}: ${p.message}`);
    assert.deepEqual(errors, [], `${uri.fsPath} does not validate`);
    assert.ok(result.config?.model.init_from && fs.existsSync(result.config.model.init_from), 'init_from names the shipped base');
  });
});
