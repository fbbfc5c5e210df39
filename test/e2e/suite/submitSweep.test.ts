// Submit Sweep against a real SLURM in a real VS Code: test/e2e/run.sh starts a single-node
// slurmctld + slurmd (test/slurm/daemons.sh) before code-server, so this extension host
// and the `latent-lab submit` it spawns see SLURM_CONF. With latentLab.submit.target on
// slurm the command submits a 2-seed sweep of a tiny experiment; the Runs view (the tree
// provider, polled) shows it as one sweep group whose runs appear and complete, and it
// redraws by itself once they have; clicking the group opens Compare on its runs.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LatentLabApi } from '../../../src/extension/main';
import type { ComparePanel } from '../../../src/extension/panels/comparePanel';
import type { SlurmSubmitted } from '../../../src/extension/runs/submitLaunch';
import type { RunsNode } from '../../../src/extension/views/runsTree';

const NAME = 'sweep-e2e';
// Two seeds, four steps each on one wasm thread: seconds per array task.
const SWEEP = `name: ${NAME}
seed: 0
runtime: { backend: wasm, threads: 1 }
data:
  source: synthetic
  image_size: 16
  tasks:
    - { name: counting, train: 32, val: 8, test: 8 }
model: { patch_size: 4, d_model: 16, layers: 1, heads: 2 }
latents: { count: 0 }
method: { kind: sft }
train: { epochs: 1, batch_size: 8, log_every: 1, checkpoint_every: 0 }
eval: { max_examples: 8, diagnostics: [] }
sweep: { seeds: [0, 1] }
cluster: { cpus_per_task: 1, time: "00:10:00" }
`;

/** What the Runs view shows for the experiment: its sweep groups, loose runs, and each group's run rows. */
interface Seen { groups: string[]; loose: number; rows: { label: string; description: string }[] }

async function look(api: LatentLabApi, sweepDir: string): Promise<Seen> {
  const exp = (await api.tree.getChildren()).find((n) => n.kind === 'experiment' && n.exp.name === NAME);
  const under = exp ? await api.tree.getChildren(exp) : [];
  const group = under.find((n) => n.kind === 'sweep' && n.dir === sweepDir);
  const rows = group ? (await api.tree.getChildren(group)).map((n) => api.tree.getTreeItem(n)) : [];
  return {
    groups: under.filter((n) => n.kind === 'sweep').map((n) => (n as { dir: string }).dir),
    loose: under.filter((n) => n.kind === 'run').length,
    rows: rows.map((i) => ({ label: String(i.label), description: String(i.description) })),
  };
}

const allCompleted = (s: Seen) => s.rows.length === 2 && s.rows.every((r) => r.description.startsWith('completed'));

describe('Latent Lab in VS Code: Submit Sweep to a real SLURM', function () {
  this.timeout(150000);
  let api: LatentLabApi;
  let compare: ComparePanel | undefined;
  const config = () => vscode.workspace.getConfiguration('latentLab');

  before(async function () {
    if (!process.env.SLURM_CONF) {
      const why = process.env.LATENT_LAB_E2E_SLURM_SKIP;
      if (why) { console.log(`    SKIPPED (no SLURM here): ${why}`); this.skip(); }
      throw new Error(process.env.LATENT_LAB_E2E_SLURM_ERROR ?? 'SLURM_CONF is not set: run this suite through bash test/e2e/run.sh, which starts a single-node SLURM');
    }
    api = await vscode.extensions.getExtension<LatentLabApi>('latent-lab.latent-lab')!.activate();
    await config().update('submit.target', 'slurm', vscode.ConfigurationTarget.Global);
  });
  after(async () => {
    compare?.panel.dispose();
    if (api) await config().update('submit.target', undefined, vscode.ConfigurationTarget.Global);
  });

  it('submits a 2-seed sweep; the Runs view shows one group whose runs appear and complete; Compare opens on it', async () => {
    const file = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, `${NAME}.experiment.yaml`);
    fs.writeFileSync(file, SWEEP);
    const redraws: number[] = [];
    const listening = api.tree.onDidChangeTreeData(() => redraws.push(Date.now()));
    try {
      const submitted = await vscode.commands.executeCommand<SlurmSubmitted | undefined>('latentLab.submitSweep', vscode.Uri.file(file));
      assert.ok(submitted?.jobId && submitted.sweepDir, `Submit Sweep did not submit (see the Latent Lab output): ${JSON.stringify(submitted)}`);
      assert.match(fs.readFileSync(path.join(submitted.sweepDir, 'submit.slurm'), 'utf8'), /#SBATCH --array=0-1/);
      const seen = await pollUntilCompleted(api, submitted.sweepDir);
      assert.ok(!allCompleted(seen[0]), 'the first look, right after sbatch returned, found the sweep finished already');
      const last = seen[seen.length - 1];
      assert.deepEqual(last.groups, [submitted.sweepDir], 'the sweep is one group under its experiment');
      assert.equal(last.loose, 0, 'no run of the sweep outside its group');
      assert.deepEqual(last.rows.map((r) => r.label), ['seed 0', 'seed 1']);
      // The view redraws by itself (SweepWatch, file watcher) after the last run has completed.
      const finished = Math.max(...['00-seed=0', '01-seed=1'].map((f) => fs.statSync(path.join(submitted.sweepDir, f, 'summary.json')).mtimeMs));
      await waitFor('a Runs view refresh after the last run completed', () => redraws.some((t) => t >= finished) || undefined, 15000);
      compare = await openCompare(api, submitted.sweepDir);
      assert.deepEqual([...compare.runDirs].sort(), ['00-seed=0', '01-seed=1'].map((f) => path.join(submitted.sweepDir, f)));
    } finally {
      listening.dispose();
    }
  });
});

/** Looks at the view every half second until both runs show completed; every distinct look, in order. */
async function pollUntilCompleted(api: LatentLabApi, sweepDir: string): Promise<Seen[]> {
  const seen: Seen[] = [];
  await waitFor('both runs of the sweep completed in the Runs view', async () => {
    const now = await look(api, sweepDir);
    if (JSON.stringify(now) !== JSON.stringify(seen[seen.length - 1])) {
      seen.push(now);
      console.log(`      Runs view: ${now.groups.length} group(s); ${now.rows.map((r) => `${r.label}: ${r.description}`).join('; ') || 'no runs yet'}`);
    }
    const failed = now.rows.find((r) => /^failed/.test(r.description));
    if (failed) throw new Error(`run ${failed.label} failed: see ${sweepDir}/scheduler-logs`);
    return allCompleted(now) || undefined;
  }, 120000);
  return seen;
}

/** Clicks the sweep group (runs its tree item's command) and waits for the Compare tab. */
async function openCompare(api: LatentLabApi, sweepDir: string): Promise<ComparePanel> {
  const exp = (await api.tree.getChildren()).find((n) => n.kind === 'experiment' && n.exp.name === NAME)!;
  const group = (await api.tree.getChildren(exp)).find((n): n is Extract<RunsNode, { kind: 'sweep' }> => n.kind === 'sweep' && n.dir === sweepDir)!;
  const command = api.tree.getTreeItem(group).command!;
  assert.equal(command.command, 'latentLab.compareRuns');
  const panel = await vscode.commands.executeCommand<ComparePanel>(command.command, ...(command.arguments ?? []));
  assert.ok(panel?.panel, 'Compare Runs opened no panel');
  assert.equal(panel.panel.title, 'Compare 2 runs');
  await waitFor('the Compare tab', () => vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => t.label === 'Compare 2 runs')) || undefined, 10000);
  return panel;
}

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
