// The Runs view: the workspace's experiments, and under each its runs with status,
// backend, best metric and age. Refreshes on run-manager changes and when any
// summary.json under the workspace changes.

import * as path from 'node:path';
import * as vscode from 'vscode';
import { sweepMemberLabel, sweepOf } from '../../core/runLabels';
import type { RunSummary } from '../../core/runLayout';
import { runsOf, workspaceExperiments, type RunEntry, type WorkspaceExperiment } from '../runs/workspaceRuns';

export type RunsNode =
  | { kind: 'experiment'; exp: WorkspaceExperiment }
  | { kind: 'sweep'; dir: string; runs: RunEntry[]; exp: WorkspaceExperiment }
  | { kind: 'run'; dir: string; summary?: RunSummary; exp: WorkspaceExperiment; inSweep?: boolean };

/** While a run says running, the view looks again this often (a killed engine changes no file). */
const RUNNING_POLL_MS = 3000;

const STATUS_ICON: Record<string, string> = { running: 'sync~spin', completed: 'pass', stopped: 'debug-pause', failed: 'error' };

export function age(iso: string | undefined, now = Date.now()): string {
  const t = iso ? Date.parse(iso) : NaN;
  if (!Number.isFinite(t)) return '';
  const s = Math.max(0, (now - t) / 1000);
  if (s < 60) return `${Math.round(s)}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

export function runDescription(s: RunSummary | undefined, now = Date.now()): string {
  if (!s) return 'no summary yet';
  const parts: string[] = [s.status === 'running' && s.total_steps ? `running ${s.step}/${s.total_steps}` : s.status];
  if (s.backend?.name) parts.push(s.backend.name);
  if (s.best) parts.push(`best ${(100 * s.best.value).toFixed(1)}%`);
  const a = age(s.updated ?? s.started, now);
  if (a) parts.push(a);
  return parts.join(' · ');
}

export class RunsTreeProvider implements vscode.TreeDataProvider<RunsNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<RunsNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly watcher = vscode.workspace.createFileSystemWatcher('**/{summary.json,*.experiment.yaml,*.experiment.yml}');
  private pending: NodeJS.Timeout | undefined;
  private trailing: NodeJS.Timeout | undefined;
  private poll: NodeJS.Timeout | undefined;

  constructor(onRunsChanged: vscode.Event<void>) {
    const later = () => this.refreshSoon();
    this.watcher.onDidChange(later); this.watcher.onDidCreate(later); this.watcher.onDidDelete(later);
    onRunsChanged(later);
  }

  refresh(): void { this.emitter.fire(undefined); }

  private refreshSoon(): void {
    if (this.pending) return;
    this.pending = setTimeout(() => { this.pending = undefined; this.refresh(); }, 300);
    // A run's last summary.json is renamed into place as its process exits, which a file
    // watcher can miss: look once more a little later so the row settles on its final status.
    if (!this.trailing) this.trailing = setTimeout(() => { this.trailing = undefined; this.refresh(); }, 2000);
  }

  async getChildren(node?: RunsNode): Promise<RunsNode[]> {
    if (!node) return (await workspaceExperiments()).map((exp) => ({ kind: 'experiment', exp }));
    if (node.kind === 'experiment') {
      const runs = runsOf(node.exp);
      // An engine killed outside the editor changes no file: look again while a run says running
      // (runsOf shows it failed once core's liveness check says its process is gone).
      if (runs.some((r) => r.summary?.status === 'running') && !this.poll) {
        this.poll = setTimeout(() => { this.poll = undefined; this.refresh(); }, RUNNING_POLL_MS);
      }
      return groupSweeps(runs, node.exp);
    }
    if (node.kind === 'sweep') {
      return [...node.runs].sort((a, b) => a.dir.localeCompare(b.dir)).map((r) => ({ kind: 'run', dir: r.dir, summary: r.summary, exp: node.exp, inSweep: true }));
    }
    return [];
  }

  getTreeItem(node: RunsNode): vscode.TreeItem {
    if (node.kind === 'experiment') {
      const item = new vscode.TreeItem(node.exp.name, vscode.TreeItemCollapsibleState.Expanded);
      item.description = `${vscode.workspace.asRelativePath(node.exp.uri)}${node.exp.valid ? '' : ' · invalid'}`;
      item.resourceUri = node.exp.uri;
      item.iconPath = new vscode.ThemeIcon(node.exp.valid ? 'beaker' : 'warning');
      item.contextValue = 'latentLab.experiment';
      item.command = { command: 'vscode.open', title: 'Open', arguments: [node.exp.uri] };
      return item;
    }
    if (node.kind === 'sweep') return sweepItem(node);
    const s = node.summary;
    const rel = path.relative(node.exp.runsRoot, node.dir);
    // A sweep's run is named by what differs (swept values, seed), under its sweep.
    const item = new vscode.TreeItem(node.inSweep ? sweepMemberLabel(node.dir) : rel, vscode.TreeItemCollapsibleState.None);
    item.id = node.dir;
    item.description = runDescription(s);
    item.tooltip = new vscode.MarkdownString(`**${rel}**\n\n${node.dir}\n\n${runDescription(s)}${s?.error ? `\n\n\`\`\`\n${s.error}\n\`\`\`` : ''}`);
    item.iconPath = new vscode.ThemeIcon(STATUS_ICON[s?.status ?? ''] ?? 'circle-outline');
    item.contextValue = `latentLab.run.${s?.status ?? 'unknown'}`;
    item.resourceUri = vscode.Uri.file(node.dir);
    item.command = { command: 'latentLab.openDashboard', title: 'Open Dashboard', arguments: [node] };
    return item;
  }

  dispose(): void {
    clearTimeout(this.pending); clearTimeout(this.trailing); clearTimeout(this.poll);
    this.watcher.dispose();
    this.emitter.dispose();
  }
}

/** Runs in first-seen order, the runs of one sweep folder replaced by one sweep node where the first of them was. */
export function groupSweeps(runs: RunEntry[], exp: WorkspaceExperiment): RunsNode[] {
  const out: RunsNode[] = [];
  const sweeps = new Map<string, { kind: 'sweep'; dir: string; runs: RunEntry[]; exp: WorkspaceExperiment }>();
  for (const r of runs) {
    const sweep = sweepOf(r.dir);
    if (!sweep) { out.push({ kind: 'run', dir: r.dir, summary: r.summary, exp }); continue; }
    let node = sweeps.get(sweep);
    if (!node) { node = { kind: 'sweep', dir: sweep, runs: [], exp }; sweeps.set(sweep, node); out.push(node); }
    node.runs.push(r);
  }
  return out;
}

function sweepItem(node: Extract<RunsNode, { kind: 'sweep' }>): vscode.TreeItem {
  const item = new vscode.TreeItem(path.relative(node.exp.runsRoot, node.dir), vscode.TreeItemCollapsibleState.Collapsed);
  item.id = `sweep:${node.dir}`;
  const count = (status: string) => node.runs.filter((r) => r.summary?.status === status).length;
  const parts = [`sweep · ${node.runs.length} runs`];
  for (const st of ['running', 'completed', 'failed']) if (count(st)) parts.push(`${count(st)} ${st}`);
  item.description = parts.join(' · ');
  item.tooltip = `${node.dir}\n\nClick to compare its runs (mean ± std over seeds, curves overlaid).`;
  item.iconPath = new vscode.ThemeIcon(count('running') ? 'sync~spin' : 'layers');
  item.contextValue = 'latentLab.sweep';
  item.resourceUri = vscode.Uri.file(node.dir);
  // One view for the group: Compare Runs over its runs.
  item.command = { command: 'latentLab.compareRuns', title: 'Compare Runs', arguments: [node.runs.map((r) => r.dir)] };
  return item;
}
