// Turning a command's argument (an explorer/editor Uri, a Runs-view node, a path
// string from a test or another command, or nothing from the palette) into what
// the command works on, asking with a quick pick when it has to.

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isCheckpointDir, isRunDir, runPaths } from '../../core/runLayout';
import { runsOf, workspaceExperiments, type RunEntry } from '../runs/workspaceRuns';
import { runDescription, type RunsNode } from '../views/runsTree';

export function isRunsNode(x: unknown): x is RunsNode {
  return typeof x === 'object' && x !== null && ((x as RunsNode).kind === 'run' || (x as RunsNode).kind === 'experiment') && 'exp' in x;
}

export async function experimentFromArg(arg: unknown): Promise<vscode.Uri | undefined> {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'string') return vscode.Uri.file(arg);
  if (isRunsNode(arg)) return arg.exp.uri;
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active && /\.experiment\.ya?ml$/.test(active.fsPath)) return active;
  const exps = await workspaceExperiments();
  const pick = await vscode.window.showQuickPick(exps.map((e) => ({ label: e.name, description: vscode.workspace.asRelativePath(e.uri), uri: e.uri })), { placeHolder: 'Experiment to run' });
  return pick?.uri;
}

function realPath(dir: string): string {
  try { return fs.realpathSync(dir); } catch { return dir; }
}

/** Every run of every workspace experiment, newest first per experiment. */
export async function allRuns(): Promise<RunEntry[]> {
  const seen = new Set<string>();
  const out: RunEntry[] = [];
  for (const exp of await workspaceExperiments()) {
    for (const r of runsOf(exp)) {
      const real = realPath(r.dir);   // two experiments sharing a runs folder, or a symlink to it, list a run once
      if (!seen.has(real)) { seen.add(real); out.push(r); }
    }
  }
  return out;
}

export async function runDirFromArg(arg: unknown, placeHolder: string, filter: (r: RunEntry) => boolean = () => true): Promise<string | undefined> {
  if (typeof arg === 'string') return arg;
  if (arg instanceof vscode.Uri && isRunDir(arg.fsPath)) return arg.fsPath;
  if (isRunsNode(arg) && arg.kind === 'run') return arg.dir;
  const runs = (await allRuns()).filter(filter);
  if (runs.length === 0) { void vscode.window.showInformationMessage('Latent Lab: no runs to choose from yet: train an experiment first.'); return undefined; }
  const pick = await vscode.window.showQuickPick(runs.map((r) => ({ label: path.basename(r.dir), description: runDescription(r.summary), detail: r.dir, dir: r.dir })), { placeHolder });
  return pick?.dir;
}

/** The checkpoint folders of a run, newest first. */
export function checkpointsOf(runDir: string): string[] {
  const root = runPaths(runDir).checkpoints;
  let names: string[];
  try { names = fs.readdirSync(root).filter((n) => /^step-\d+$/.test(n)); } catch { names = []; }
  return names.sort((a, b) => Number(b.slice(5)) - Number(a.slice(5))).map((n) => path.join(root, n)).filter(isCheckpointDir);
}

export async function checkpointFromArg(arg: unknown): Promise<string | undefined> {
  if (typeof arg === 'string' && isCheckpointDir(arg)) return arg;
  let runDir: string | undefined;
  if (arg instanceof vscode.Uri && /\.experiment\.ya?ml$/.test(arg.fsPath)) {
    const exp = (await workspaceExperiments()).find((e) => e.uri.fsPath === arg.fsPath);
    const runs = exp ? runsOf(exp).filter((r) => checkpointsOf(r.dir).length > 0) : [];
    if (runs.length === 0) { void vscode.window.showInformationMessage(`Latent Lab: ${vscode.workspace.asRelativePath(arg)} has no run with a checkpoint yet: train it first.`); return undefined; }
    runDir = runs.length === 1 ? runs[0].dir : await runDirFromArg(undefined, 'Run to evaluate', (r) => runs.some((x) => x.dir === r.dir));
  } else {
    runDir = await runDirFromArg(arg, 'Run to evaluate', (r) => checkpointsOf(r.dir).length > 0);
  }
  if (!runDir) return undefined;
  const ckpts = checkpointsOf(runDir);
  if (ckpts.length === 0) { void vscode.window.showInformationMessage(`Latent Lab: ${path.basename(runDir)} has no checkpoint.`); return undefined; }
  if (ckpts.length === 1) return ckpts[0];
  const pick = await vscode.window.showQuickPick(ckpts.map((c) => ({ label: path.basename(c), detail: c })), { placeHolder: 'Checkpoint to evaluate' });
  return pick?.detail;
}
