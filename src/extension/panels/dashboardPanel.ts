// The dashboard of one run: posts the run's metrics.jsonl records, then every
// record appended as the file grows (polled), and the status from summary.json.
// The webview only ever hears from this host, never from the trainer.

import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExperimentConfig } from '../../core/experiment';
import { readMetrics, runPaths, safeSummary } from '../../core/runLayout';
import { panelHtml, webviewOptions } from './html';
import { parseDashboardMessage } from './messages';
import { MetricsTail } from './metricsTail';
import { describeSchedule } from '../../core/scheduleText';
import { READ_LIMITS, readTextBounded } from '../../core/boundedRead';

const POLL_MS = 500;

export class DashboardPanel {
  static readonly viewType = 'latentLab.dashboard';
  static readonly open = new Map<string, DashboardPanel>();

  private tail: MetricsTail;
  private timer: NodeJS.Timeout;
  private lastStatus = '';
  private ready = false;
  private sentTotalSteps = false;   // the last init carried the run's total steps (from summary.json)

  /** Opens (or reveals) the dashboard of `runDir`. */
  static show(extensionUri: vscode.Uri, runDir: string, preserveFocus = false): DashboardPanel {
    const existing = DashboardPanel.open.get(runDir);
    if (existing) { existing.panel.reveal(undefined, preserveFocus); return existing; }
    const panel = vscode.window.createWebviewPanel(DashboardPanel.viewType, titleOf(runDir),
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus }, webviewOptions(extensionUri, runDir));
    return new DashboardPanel(panel, extensionUri, runDir);
  }

  constructor(readonly panel: vscode.WebviewPanel, extensionUri: vscode.Uri, readonly runDir: string) {
    DashboardPanel.open.set(runDir, this);
    panel.webview.options = webviewOptions(extensionUri, runDir);
    panel.title = titleOf(runDir);
    panel.webview.html = panelHtml(panel.webview, extensionUri, 'dashboard', panel.title);
    this.tail = new MetricsTail(runPaths(runDir).metrics);
    panel.webview.onDidReceiveMessage((m: unknown) => {
      if (parseDashboardMessage(m)?.type === 'ready') this.sendInit();
    });
    this.timer = setInterval(() => this.poll(), POLL_MS);
    panel.onDidDispose(() => {
      clearInterval(this.timer);
      if (DashboardPanel.open.get(runDir) === this) DashboardPanel.open.delete(runDir);
    });
  }

  /** Everything so far (the webview is new or reloaded). */
  private sendInit(): void {
    this.tail = new MetricsTail(runPaths(this.runDir).metrics);
    const metrics = this.tail.read().records;
    const s = safeSummary(this.runDir);
    this.lastStatus = s?.status ?? 'unknown';
    this.sentTotalSteps = (s?.total_steps ?? 0) > 0;   // the engine's first summary says 0 until it has counted the steps
    this.ready = true;
    void this.panel.webview.postMessage({
      type: 'init',
      run: { name: s?.name ?? path.basename(this.runDir), status: this.lastStatus, backend: s?.backend?.name, dir: this.runDir, method: s?.method, config: configSummary(this.runDir, s?.total_steps) },
      metrics: metrics.length ? metrics : readMetrics(this.runDir),
    });
    if (s?.status === 'failed' && s.error) void this.panel.webview.postMessage({ type: 'status', status: 'failed', message: s.error });
  }

  private poll(): void {
    if (!this.ready) return;
    const { records, reset } = this.tail.read();
    if (reset) { this.sendInit(); return; }
    if (records.length) void this.panel.webview.postMessage({ type: 'append', metrics: records });
    const s = safeSummary(this.runDir);
    // Opened before the engine wrote its summary: the config table could not say the run's
    // length (a warmup longer than the run goes unnoticed), so send it again now that it can.
    if ((s?.total_steps ?? 0) > 0 && !this.sentTotalSteps) { this.sendInit(); return; }
    if (s && s.status !== this.lastStatus) {
      this.lastStatus = s.status;
      void this.panel.webview.postMessage({ type: 'status', status: s.status, ...(s.error ? { message: s.error } : {}) });
    }
  }
}

function titleOf(runDir: string): string {
  return `Run: ${path.basename(runDir)}`;
}

function staged(c: ExperimentConfig): { stage1_epochs: number; stage2_epochs: number } | undefined {
  const kind = c.method?.kind;
  return kind === 'livr' || kind === 'valr' ? c.method[kind] : undefined;
}

/** A flat summary of the config for the dashboard's table. */
function configSummary(runDir: string, totalSteps: number | undefined): Record<string, unknown> {
  let c: ExperimentConfig;
  try { c = JSON.parse(readTextBounded(runPaths(runDir).config, READ_LIMITS.runJson, 'run config')) as ExperimentConfig; } catch { return {}; }
  const stages = staged(c);
  return {
    'method.kind': c.method?.kind,
    'data.tasks': c.data?.tasks?.map((t) => t.name).join(', '),
    'data.image_size': c.data?.image_size,
    'model.d_model': c.model?.d_model,
    'model.layers': c.model?.layers,
    'model.heads': c.model?.heads,
    'latents.count': c.latents?.count,
    // livr and valr train their stage epochs, not train.epochs (docs/engine.md).
    epochs: stages ? `${stages.stage1_epochs} + ${stages.stage2_epochs} (stages)` : c.train?.epochs,
    'train.batch_size': c.train?.batch_size,
    'train.optimizer': c.train ? `${c.train.optimizer.kind} lr ${c.train.optimizer.lr}` : undefined,
    'train.schedule': describeSchedule(c.train?.schedule, totalSteps),
    'runtime.backend': c.runtime?.backend,
    seed: c.seed,
  };
}
