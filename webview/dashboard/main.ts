// Entry of the run dashboard webview (bundled to dist/webview/dashboard.js).
// Host → webview: {type:'init', run, metrics} | {type:'append', metrics} | {type:'status', status, message?}
// Webview → host: {type:'ready'}
// See docs/panels.md for the full protocol.

import '@vscode-elements/elements/dist/vscode-badge/index.js';
import { vscodeApi } from '../shared/vscodeApi';
import { LineChart } from './charts';
import { chanceLine, isMetricRecord, type MetricRecord } from '../../src/core/metricRecords';
import { MetricStore } from './metrics';

export interface RunInfo {
  name: string;
  status: string;
  backend?: string;
  dir?: string;
  method?: string;
  config?: Record<string, unknown>;   // a flat-ish summary: { 'model.d': 64, 'latents.k': 8, ... }
}
interface DashboardState { run: Pick<RunInfo, 'name' | 'dir'> }

const PAGE = `
<div id="message" class="message" role="status">Waiting for the run's metrics…</div>
<div id="content" hidden>
  <header class="run-header">
    <h1 id="run-name"></h1><vscode-badge id="status"></vscode-badge>
    <span id="backend" class="muted"></span><span id="progress" class="muted"></span>
  </header>
  <div id="status-message" class="message" hidden></div>
  <h2>Training</h2><div id="train-charts" class="chart-grid"></div>
  <h2>Evaluation accuracy <span id="eval-split" class="muted"></span></h2><p id="eval-empty" class="muted">No evaluation yet: accuracy appears after the first eval (eval.every).</p><div id="eval-chart" class="chart-grid"></div><p id="eval-chance" class="muted"></p>
  <h2>Latent diagnostics</h2><div id="diagnostics"><p class="muted">No diagnostics yet: they come with each evaluation (eval.diagnostics in the experiment).</p></div>
  <h2>Configuration</h2><table id="config" class="kv"></table>
</div>`;

const $ = (id: string): HTMLElement => document.getElementById(id)!;
const fmt = (v: number | undefined): string => (v === undefined ? '' : Math.abs(v) >= 1000 || (Math.abs(v) < 0.001 && v !== 0) ? v.toExponential(3) : String(Number(v.toFixed(4))));

export class Dashboard {
  private api = vscodeApi<DashboardState>();
  private store = new MetricStore();
  private trainCharts = new Map<string, LineChart>();
  private evalChart: LineChart | null = null;
  private run: RunInfo | null = null;

  constructor(root: HTMLElement) {
    root.innerHTML = PAGE;
    const saved = this.api.getState();
    if (saved?.run) $('message').textContent = `Reloading ${saved.run.name}…`;
    window.addEventListener('resize', () => this.resize());
  }

  init(run: RunInfo, metrics: MetricRecord[]): void {
    this.run = run;
    this.api.setState({ run: { name: run.name, dir: run.dir } });
    for (const c of this.trainCharts.values()) c.destroy();
    this.trainCharts.clear();
    this.evalChart?.destroy();
    this.evalChart = null;
    $('eval-empty').hidden = false;
    $('eval-chance').textContent = '';
    this.store = new MetricStore();
    $('message').hidden = true;
    $('content').hidden = false;
    $('run-name').textContent = run.name;
    $('backend').textContent = [run.method, run.backend && `backend ${run.backend}`].filter(Boolean).join(' · ');
    this.setStatus(run.status);
    this.renderConfig(run.config ?? {});
    this.append(metrics);
  }

  append(metrics: MetricRecord[]): void {
    const changed = this.store.add(metrics);
    for (const name of changed.train) this.updateTrainChart(name);
    if (changed.eval) this.updateEvalChart(changed.newSeries);
    if (metrics.some((m) => m.type === 'eval')) this.renderDiagnostics();
    const last = this.store.lastTrain;
    $('progress').textContent = last ? `step ${last.step}${last.epoch !== undefined ? ` · epoch ${last.epoch + 1}` : ''}${last.stage ? ` · ${last.stage}` : ''}${last.examples_per_s ? ` · ${fmt(last.examples_per_s)} ex/s` : ''}` : '';
  }

  setStatus(status: string, message?: string): void {
    const badge = $('status');
    badge.textContent = status;
    badge.className = `status-${status}`;
    const box = $('status-message');
    box.hidden = !message;
    box.textContent = message ?? '';
    box.classList.toggle('error', status === 'failed');
    if (this.run) this.run.status = status;
  }

  private chartWidth(columns: number): number {
    const w = $('train-charts').clientWidth || window.innerWidth - 32;
    return Math.max(240, Math.floor((w - 16 * (columns - 1)) / columns));
  }

  private updateTrainChart(name: string): void {
    const series = this.store.train.get(name)!;
    let chart = this.trainCharts.get(name);
    if (!chart) {
      chart = new LineChart({ title: name === 'loss' ? 'loss (total)' : name, series: [name], width: this.chartWidth(3), height: 170 }, $('train-charts'));
      this.trainCharts.set(name, chart);
    }
    const [xs, ys] = series.output();
    chart.setData(xs, [ys]);
  }

  private updateEvalChart(rebuild: boolean): void {
    const tasks = [...this.store.accuracy.keys()].sort((a, b) => (a === 'mean' ? 1 : b === 'mean' ? -1 : a.localeCompare(b)));
    if (rebuild || !this.evalChart) {
      this.evalChart?.destroy();
      this.evalChart = new LineChart({ title: 'accuracy per task', series: tasks, width: this.chartWidth(1), height: 220, yRange: [0, 1], dashed: ['mean'] }, $('eval-chart'));
    }
    $('eval-empty').hidden = true;
    $('eval-split').textContent = this.store.chartSplit ? `(${this.store.chartSplit} split)` : '';
    $('eval-chance').textContent = this.store.chance ? chanceLine(this.store.chance) : '';
    this.evalChart.setData(this.store.evalSteps.slice(), tasks.map((t) => this.store.accuracy.get(t)!.slice()));
  }

  /** Rows: each diagnostic; columns: the last six evaluations. */
  private renderDiagnostics(): void {
    const recent = this.store.diagnostics.slice(-6);
    const host = $('diagnostics');
    if (recent.length === 0) { host.innerHTML = '<p class="muted">No diagnostics yet: they come with each evaluation (eval.diagnostics in the experiment).</p>'; return; }
    const keys = [...new Set(recent.flatMap((d) => Object.keys(d.values)))].sort();
    const table = document.createElement('table');
    table.className = 'grid';
    table.id = 'diagnostics-table';
    const head = table.createTHead().insertRow();
    head.appendChild(Object.assign(document.createElement('th'), { textContent: 'diagnostic' }));
    for (const d of recent) {
      const th = document.createElement('th');
      th.className = 'num';
      th.textContent = `step ${d.step}${d.split !== 'val' ? ` (${d.split})` : ''}`;
      head.appendChild(th);
    }
    const body = table.createTBody();
    for (const k of keys) {
      const row = body.insertRow();
      row.insertCell().textContent = k;
      for (const d of recent) {
        const cell = row.insertCell();
        cell.className = 'num';
        cell.textContent = fmt(d.values[k]);
      }
    }
    host.replaceChildren(table);
  }

  private renderConfig(config: Record<string, unknown>): void {
    const rows = Object.entries(config).map(([k, v]) => {
      const tr = document.createElement('tr');
      const th = document.createElement('th');
      th.textContent = k;
      const td = document.createElement('td');
      td.textContent = typeof v === 'object' ? JSON.stringify(v) : String(v);
      tr.append(th, td);
      return tr;
    });
    $('config').replaceChildren(...rows);
  }

  private resize(): void {
    for (const c of this.trainCharts.values()) c.setWidth(this.chartWidth(3));
    this.evalChart?.setWidth(this.chartWidth(1));
  }
}

const dashboard = new Dashboard(document.getElementById('app') ?? document.body);
(window as unknown as { __dashboard: Dashboard }).__dashboard = dashboard;

window.addEventListener('message', (event: MessageEvent) => {
  const msg = event.data as { type?: unknown; run?: unknown; metrics?: unknown; status?: unknown; message?: unknown };
  if (typeof msg !== 'object' || msg === null) return;
  const records = Array.isArray(msg.metrics) ? msg.metrics.filter(isMetricRecord) : [];
  if (msg.type === 'init' && typeof msg.run === 'object' && msg.run !== null) dashboard.init(msg.run as RunInfo, records);
  else if (msg.type === 'append') dashboard.append(records);
  else if (msg.type === 'status' && typeof msg.status === 'string') dashboard.setStatus(msg.status, typeof msg.message === 'string' ? msg.message : undefined);
});

vscodeApi().postMessage({ type: 'ready' });
