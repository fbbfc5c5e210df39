// The run manager wired to VS Code: settings, the one validator before starting,
// Workspace Trust, a cancellable progress notification per run, the "Latent Lab"
// output channel, and reattaching after a window reload.

import { fork } from 'node:child_process';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BackendName } from '../../core/experiment';
import { describeEval, type EngineJob } from '../../core/events';
import { formatProblem } from '../../core/problems';
import { runFolderName, safeSummary } from '../../core/runLayout';
import { validatorModule } from '../lazy';
import { requireTrust } from '../trust';
import { engineLaunch, type LaunchSpec } from './launch';
import { RunManager, type EngineChild, type ManagedRun } from './runManager';
import { isProcessAlive } from '../../core/processAlive';
import { ENDED_WHILE_CLOSED, markRunFailed, reattachDecisions } from './runFiles';
import { allRunRoots, runsFolderSetting } from './workspaceRuns';

export type RunRefusal = { refused: string };

export class RunService implements vscode.Disposable {
  readonly manager: RunManager;
  readonly output = vscode.window.createOutputChannel('Latent Lab');
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly watches = new Map<string, NodeJS.Timeout>();
  /** Called with a run directory when a run has started writing it (opens the dashboard). */
  onRunDir: ((runDir: string) => void) | undefined;

  constructor(private readonly context: vscode.ExtensionContext) {
    const cfg = () => vscode.workspace.getConfiguration('latentLab');
    this.manager = new RunManager({
      fork: (m, a, o) => fork(m, a, o) as EngineChild,
      launch: () => this.launchSpec('engine'),
      maxConcurrent: () => cfg().get<number>('maxConcurrentRuns', 1),
      hangTimeoutMs: () => 1000 * cfg().get<number>('engine.hangTimeoutSeconds', 120),
      log: (line, run) => this.output.appendLine(`[${run.label}#${run.id}] ${line}`),
    });
    this.manager.onChange(() => this.changed.fire());
    this.manager.onEvent((run, e) => {
      if (e.type === 'started') this.onRunDir?.(e.runDir);
      if (e.type === 'evaluation' && run.job.kind === 'eval') {
        void vscode.window.showInformationMessage(`Latent Lab: ${describeEval(e.record)[0]}`);
      }
    });
  }

  /**
   * The one place a child process's launch is built from the settings: the engine child
   * (dist/engine-child.js) and the CLI (dist/cli.js, Submit Sweep) run on the same Node
   * (latentLab.engine.nodePath, else the editor's runtime) with the same environment;
   * only the engine gets latentLab.engine.memoryLimitMb (the CLI writes a script and calls sbatch).
   */
  launchSpec(script: 'engine' | 'cli'): LaunchSpec {
    const cfg = vscode.workspace.getConfiguration('latentLab');
    return engineLaunch(this.context.asAbsolutePath(script === 'engine' ? 'dist/engine-child.js' : 'dist/cli.js'), {
      nodePath: cfg.get<string>('engine.nodePath', ''),
      memoryLimitMb: script === 'engine' ? cfg.get<number>('engine.memoryLimitMb', 4096) : 0,
    });
  }

  /** Validates with the one validator, refuses an invalid file (first problem named), then queues the run. */
  async train(uri: vscode.Uri, opts: { maxSteps?: number } = {}): Promise<ManagedRun | RunRefusal> {
    if (!requireTrust('train')) return { refused: 'untrusted workspace' };
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === uri.fsPath);
    if (doc?.isDirty) await doc.save();
    const result = validatorModule().validateExperimentFile(uri.fsPath);
    const name = vscode.workspace.asRelativePath(uri);
    if (!result.config) {
      const first = result.problems.find((p) => p.severity === 'error') ?? result.problems[0];
      const count = result.problems.filter((p) => p.severity === 'error').length;
      const msg = `Latent Lab: ${name} is not valid and was not started (${count} error${count === 1 ? '' : 's'}). First: line ${first.range.start.line + 1}: ${first.message}`;
      this.output.appendLine(msg);
      for (const p of result.problems) this.output.appendLine(`  ${formatProblem(p)}`);
      // The problems are the language server's diagnostics already: show them where they are.
      await vscode.window.showTextDocument(uri, { preview: false, selection: new vscode.Range(first.range.start.line, first.range.start.character, first.range.end.line, first.range.end.character) });
      void vscode.window.showErrorMessage(msg, 'Show Problems').then((pick) => { if (pick) void vscode.commands.executeCommand('workbench.actions.view.problems'); });
      return { refused: msg };
    }
    const root = runsFolderSetting() ?? result.config.output.runs_dir;
    const backend = vscode.workspace.getConfiguration('latentLab').get<string>('defaultBackend', 'experiment');
    const job: EngineJob = {
      kind: 'train', experimentFile: uri.fsPath, outDir: path.join(root, runFolderName(result.config.name)),
      ...(backend && backend !== 'experiment' ? { backend: backend as BackendName } : {}),
      ...(opts.maxSteps ? { maxSteps: opts.maxSteps } : {}),
    };
    const sweepSize = validatorModule().expandSweep(result.config).length;
    return this.launch(job, path.basename(uri.fsPath).replace(/\.experiment\.ya?ml$/, ''), sweepSize);
  }

  resume(runDir: string): ManagedRun | RunRefusal {
    if (!requireTrust('resume a run')) return { refused: 'untrusted workspace' };
    if (this.manager.byRunDir(runDir)) {
      void vscode.window.showWarningMessage(`Latent Lab: ${path.basename(runDir)} is running already.`);
      return { refused: 'running already' };
    }
    return this.launch({ kind: 'resume', runDir }, path.basename(runDir));
  }

  evaluate(target: string, split: 'val' | 'test' = 'test'): ManagedRun | RunRefusal {
    if (!requireTrust('evaluate a checkpoint')) return { refused: 'untrusted workspace' };
    return this.launch({ kind: 'eval', target, split }, `eval ${path.basename(target)}`);
  }

  stop(run: ManagedRun): void {
    this.manager.stop(run);
  }

  /** `sweepSize` > 1: one engine trains that many runs in turn, and the progress says which. */
  private launch(job: EngineJob, label: string, sweepSize = 1): ManagedRun {
    const run = this.manager.enqueue(job, label);
    this.output.appendLine(`[${label}#${run.id}] ${run.status === 'queued' ? 'queued (latentLab.maxConcurrentRuns reached)' : 'started'}: ${JSON.stringify(job)}`);
    const title = `Latent Lab: ${label}${sweepSize > 1 ? ` (sweep of ${sweepSize} runs)` : ''}`;
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
      token.onCancellationRequested(() => this.manager.stop(run));
      let reported = 0;
      const onChange = (r: ManagedRun) => {
        if (r !== run) return;
        const k = Math.max(1, r.runDirs.length);   // the sweep's runs started so far
        // Over a sweep the bar covers all its runs: run k's steps fill the k-th n-th of it.
        const pct = r.totalSteps ? (100 * (k - 1 + r.step / r.totalSteps)) / sweepSize : 0;
        const stepText = `step ${r.step}/${r.totalSteps || '?'}`;
        const message = r.status === 'queued' ? 'queued' : r.stopRequested ? 'stopping (finishing the step, writing a checkpoint)…'
          : sweepSize > 1 ? `run ${k} of ${sweepSize} · ${stepText}` : stepText;
        progress.report({ message, increment: Math.max(0, pct - reported) });
        reported = Math.max(reported, pct);
      };
      this.manager.onChange(onChange);
      return run.done.then(() => undefined);
    });
    void run.done.then((r) => this.announce(r));
    return run;
  }

  private announce(r: ManagedRun): void {
    const where = r.runDir ? ` (${vscode.workspace.asRelativePath(r.runDir)})` : '';
    if (r.status === 'failed') {
      this.output.appendLine(`[${r.label}#${r.id}] failed: ${r.error ?? 'unknown error'}`);
      void vscode.window.showErrorMessage(`Latent Lab: ${r.label} failed${where}: ${(r.error ?? '').split('\n')[0]}`, 'Show Log').then((p) => { if (p) this.output.show(true); });
    } else if (r.status === 'completed' || r.status === 'stopped') {
      if (r.job.kind !== 'eval') void vscode.window.showInformationMessage(`Latent Lab: ${r.label} ${r.status}${where}.`);
    }
  }

  /** After a window reload: watch runs whose engine is still alive; mark the others failed. */
  async reattach(): Promise<{ watched: string[]; failed: string[] }> {
    const out = { watched: [] as string[], failed: [] as string[] };
    for (const d of reattachDecisions(await allRunRoots())) {
      if (d.kind === 'dead') {
        if (markRunFailed(d.runDir, ENDED_WHILE_CLOSED)) out.failed.push(d.runDir);
        this.output.appendLine(`${d.runDir}: ${ENDED_WHILE_CLOSED}; marked failed`);
        continue;
      }
      out.watched.push(d.runDir);
      this.output.appendLine(`${d.runDir}: engine ${d.pid} still running; following its files`);
      const timer = setInterval(() => {
        this.changed.fire();   // the tree and dashboards re-read the files
        if (isProcessAlive(d.pid)) return;
        clearInterval(timer);
        this.watches.delete(d.runDir);
        if (safeSummary(d.runDir)?.status === 'running') markRunFailed(d.runDir, 'engine process ended without finishing (followed after a window reload)');
        this.changed.fire();
      }, 2000);
      this.watches.set(d.runDir, timer);
    }
    if (out.failed.length) this.changed.fire();
    return out;
  }

  dispose(): void {
    this.manager.dispose();
    for (const t of this.watches.values()) clearInterval(t);
    this.changed.dispose();
    this.output.dispose();
  }
}
