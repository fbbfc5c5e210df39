// The workspace's experiments and where their runs live: the `latentLab.runsFolder`
// setting when set (absolute, or relative to the first workspace folder), else each
// experiment's validated `output.runs_dir`.

import * as path from 'node:path';
import * as vscode from 'vscode';
import { validatorModule } from '../lazy';
import { findRunDirs } from '../../core/runLabels';
import { safeSummary, type RunSummary } from '../../core/runLayout';
import { liveSummary } from '../../core/runLiveness';

export interface WorkspaceExperiment {
  uri: vscode.Uri;
  name: string;            // config name, or the file name when the file is invalid
  runsRoot: string;
  valid: boolean;
}

export interface RunEntry { dir: string; summary?: RunSummary }

export function runsFolderSetting(): string | undefined {
  const raw = vscode.workspace.getConfiguration('latentLab').get<string>('runsFolder', '').trim();
  if (!raw) return undefined;
  if (path.isAbsolute(raw)) return raw;
  const ws = vscode.workspace.workspaceFolders?.[0];
  return ws ? path.join(ws.uri.fsPath, raw) : path.resolve(raw);
}

export function describeExperiment(uri: vscode.Uri): WorkspaceExperiment {
  const result = validatorModule().validateExperimentFile(uri.fsPath);
  const override = runsFolderSetting();
  const fallback = path.join(path.dirname(uri.fsPath), 'runs');
  const name = result.config?.name ?? path.basename(uri.fsPath).replace(/\.experiment\.ya?ml$/, '');
  return { uri, name, runsRoot: override ?? result.config?.output.runs_dir ?? fallback, valid: !!result.config };
}

export async function workspaceExperiments(): Promise<WorkspaceExperiment[]> {
  const files = await vscode.workspace.findFiles('**/*.experiment.{yaml,yml}', '**/{node_modules,.git,.e2e,.vscode-test}/**', 500);
  return files.sort((a, b) => a.fsPath.localeCompare(b.fsPath)).map(describeExperiment);
}

/** Runs of one experiment: the runs under its runs folder whose summary carries its name (sweeps included). */
export function runsOf(exp: WorkspaceExperiment): RunEntry[] {
  return findRunDirs(exp.runsRoot).map((dir) => ({ dir, summary: liveSummary(dir, safeSummary(dir)) }))
    .filter((r) => r.summary?.name === exp.name || (!r.summary && path.basename(r.dir).endsWith(`-${exp.name}`)))
    .reverse();   // newest first (folder names start with a timestamp)
}

export async function allRunRoots(): Promise<string[]> {
  const override = runsFolderSetting();
  if (override) return [override];
  return [...new Set((await workspaceExperiments()).map((e) => e.runsRoot))];
}
