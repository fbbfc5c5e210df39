// Entry of the run comparison webview (bundled to dist/webview/compare.js).
// Host → webview: {type:'init', runs: CompareRun[]}
// Webview → host: {type:'ready'} | {type:'openRun', name} | {type:'exportCsv'}
// See docs/panels.md for the full protocol.

import '@vscode-elements/elements/dist/vscode-button/index.js';
import uPlot from 'uplot';
import { esc } from '../shared/escape';
import { vscodeApi } from '../shared/vscodeApi';
import { themeColors } from '../shared/theme';
import { seriesColor, tickLabel } from '../dashboard/charts';
import { MinMaxDecimator } from '../dashboard/decimate';
import { isMetricRecord } from '../../src/core/metricRecords';
import { bestMeanAccuracy, finalMetrics, formatMeanStd, groupByLabel, isScoredMetric, meanStd, metricByParameter, type CompareRun } from '../../src/core/compareStats';

const PAGE = `
<div id="message" class="message" role="status">Waiting for runs to compare…</div>
<div id="content" hidden>
  <div class="compare-actions"><vscode-button id="export-csv" secondary>Export CSV</vscode-button></div>
  <h2>Final metrics by configuration <span class="muted">(mean ± std across seeds; last evaluation, and the best val accuracy of any evaluation)</span></h2><div id="groups" class="table-scroll"></div>
  <div id="swept-section" hidden><h2>Mean accuracy against each swept parameter <span class="muted">(mean ± std over the runs with that value)</span></h2><div id="swept" class="chart-grid"></div></div>
  <h2>Curves</h2><div id="curves" class="chart-grid"></div>
  <h2>Runs</h2><div id="runs" class="table-scroll"></div>
</div>`;

const $ = (id: string): HTMLElement => document.getElementById(id)!;
const lowerIsBetter = (metric: string): boolean => metric === 'loss' || metric.endsWith('loss');

class ComparePanel {
  private api = vscodeApi<{ runs: string[] }>();
  private charts: uPlot[] = [];
  private sweptCharts: uPlot[] = [];

  constructor(root: HTMLElement) {
    root.innerHTML = PAGE;
    $('export-csv').addEventListener('click', () => this.api.postMessage({ type: 'exportCsv' }));
  }

  init(runs: CompareRun[]): void {
    if (runs.length === 0) { $('message').textContent = 'No runs selected: pick runs (or a sweep) to compare.'; return; }
    this.api.setState({ runs: runs.map((r) => r.name) });
    $('message').hidden = true;
    $('content').hidden = false;
    const labels = [...new Set(runs.map((r) => r.label))];
    const colorOf = (label: string): string => seriesColor(labels.indexOf(label));
    this.renderGroups(runs, colorOf);
    this.renderRuns(runs);
    this.renderCurves(runs, colorOf);
    this.renderSwept(runs);
  }

  /** Final mean accuracy against each numeric swept parameter (sweeps of lr, weights, latent counts…). */
  private renderSwept(runs: CompareRun[]): void {
    for (const c of this.sweptCharts) c.destroy();
    this.sweptCharts = [];
    const host = $('swept');
    host.replaceChildren();
    const byParam = metricByParameter(runs, 'mean_accuracy');
    $('swept-section').hidden = byParam.size === 0;
    const theme = themeColors();
    const axis = { stroke: theme.muted, grid: { stroke: theme.border, width: 1 }, ticks: { stroke: theme.border, width: 1 }, font: `11px ${theme.font}` };
    const width = Math.max(300, Math.floor(((host.clientWidth || window.innerWidth - 32) - 16) / 2));
    for (const [param, points] of byParam) {
      const xs = points.map((p) => p.x);
      const logX = xs[0] > 0 && xs[xs.length - 1] / xs[0] >= 100;   // learning rates and the like
      const sd = (p: typeof points[number]) => (Number.isNaN(p.stats.std) ? 0 : p.stats.std);
      const box = document.createElement('div');
      box.className = 'chart';
      host.appendChild(box);
      this.sweptCharts.push(new uPlot({
        title: `mean_accuracy vs ${param}`, width, height: 220,
        scales: { x: { time: false, distr: logX ? 3 : 1 } },
        axes: [{ ...axis, size: 32, label: param, labelSize: 14, values: (_u: uPlot, v: (number | null)[]) => v.map(paramTick) }, { ...axis, size: 56, label: 'mean accuracy', labelSize: 14, values: (_u: uPlot, v: number[]) => v.map(tickLabel) }],
        series: [{ label: param }, { label: 'mean', stroke: seriesColor(0), width: 2, points: { show: true, size: 7 } },
          { label: '− std', stroke: seriesColor(0), width: 1, dash: [4, 4] }, { label: '+ std', stroke: seriesColor(0), width: 1, dash: [4, 4] }],
      }, [xs, points.map((p) => p.stats.mean), points.map((p) => p.stats.mean - sd(p)), points.map((p) => p.stats.mean + sd(p))], box));
    }
  }

  private renderGroups(runs: CompareRun[], colorOf: (l: string) => string): void {
    const { metrics, groups } = groupByLabel(runs);
    const best = new Map<string, number>();
    for (const m of metrics.filter(isScoredMetric)) {
      const means = groups.map((g) => g.stats[m]?.mean).filter((v): v is number => v !== undefined);
      if (means.length > 1) best.set(m, lowerIsBetter(m) ? Math.min(...means) : Math.max(...means));
    }
    const bestOfGroup = groups.map((g) => meanStd(runs.filter((r) => g.runs.includes(r.name)).map(bestMeanAccuracy).filter((v): v is number => v !== undefined)));
    const head = `<tr><th>configuration</th><th class="num">runs</th><th class="num" title="best val mean accuracy over each run's evaluations">best mean_accuracy</th>${metrics.map((m) => `<th class="num">${esc(m)}</th>`).join('')}</tr>`;
    const body = groups.map((g, i) => `<tr><td><span class="swatch" style="background:${colorOf(g.label)}"></span>${esc(g.label)}</td><td class="num">${esc(g.runs.length)}</td><td class="num">${esc(bestOfGroup[i].n > 0 ? formatMeanStd(bestOfGroup[i]) : '')}</td>${
      metrics.map((m) => `<td class="num${best.get(m) === g.stats[m]?.mean ? ' best' : ''}">${esc(formatMeanStd(g.stats[m]))}</td>`).join('')}</tr>`).join('');
    $('groups').innerHTML = `<table class="grid" id="groups-table"><thead>${head}</thead><tbody>${body}</tbody></table>`;
  }

  private renderRuns(runs: CompareRun[]): void {
    const finals = runs.map(finalMetrics);
    const metrics = [...new Set(finals.flatMap((f) => Object.keys(f)))].filter((m) => m === 'mean_accuracy' || m === 'loss' || m.startsWith('accuracy.'));
    const head = `<tr><th>run</th><th>configuration</th><th>seed</th><th>status</th>${metrics.map((m) => `<th class="num">${esc(m)}</th>`).join('')}</tr>`;
    const body = runs.map((r, i) => `<tr><td><a href="#" data-run="${esc(r.name)}">${esc(r.name)}</a></td><td>${esc(r.label)}</td><td>${esc(r.seed)}</td><td>${esc(r.status)}</td>${
      metrics.map((m) => `<td class="num">${finals[i][m] === undefined ? '' : esc(finals[i][m].toFixed(3))}</td>`).join('')}</tr>`).join('');
    $('runs').innerHTML = `<table class="grid" id="runs-table"><thead>${head}</thead><tbody>${body}</tbody></table>`;
    $('runs').querySelectorAll('a[data-run]').forEach((a) => a.addEventListener('click', (e) => {
      e.preventDefault();
      this.api.postMessage({ type: 'openRun', name: (a as HTMLElement).dataset.run });
    }));
  }

  /** Eval mean accuracy and train loss of every run overlaid (x aligned with uPlot.join). */
  private renderCurves(runs: CompareRun[], colorOf: (l: string) => string): void {
    for (const c of this.charts) c.destroy();
    this.charts = [];
    const host = $('curves');
    host.replaceChildren();
    const curve = (r: CompareRun, kind: 'eval' | 'train'): uPlot.AlignedData => {
      const d = new MinMaxDecimator(400);
      for (const m of r.metrics ?? []) {
        if (m.type === 'eval' && kind === 'eval' && (m.split ?? 'val') === 'val' && typeof m.mean_accuracy === 'number') d.push(m.step, m.mean_accuracy);
        if (m.type === 'train' && kind === 'train' && typeof m.loss === 'number') d.push(m.step, m.loss);
      }
      return d.output() as uPlot.AlignedData;
    };
    const theme = themeColors();
    const axis = { stroke: theme.muted, grid: { stroke: theme.border, width: 1 }, ticks: { stroke: theme.border, width: 1 }, font: `11px ${theme.font}` };
    const width = Math.max(300, Math.floor(((host.clientWidth || window.innerWidth - 32) - 16) / 2));
    for (const [kind, title] of [['eval', 'mean accuracy (val)'], ['train', 'training loss']] as const) {
      const tables = runs.map((r) => curve(r, kind));
      if (tables.every((t) => t[0].length === 0)) continue;
      const data = uPlot.join(tables);
      const box = document.createElement('div');
      box.className = 'chart';
      host.appendChild(box);
      this.charts.push(new uPlot({
        title, width, height: 240,
        scales: { x: { time: false } },
        axes: [{ ...axis, size: 28 }, { ...axis, size: 56, values: (_u: uPlot, v: number[]) => v.map(tickLabel) }],
        series: [{ label: 'step' }, ...runs.map((r) => ({ label: r.name, stroke: colorOf(r.label), width: 1.5, spanGaps: true, points: { show: kind === 'eval' } }))],
      }, data, box));
    }
    if (this.charts.length === 0) host.innerHTML = '<p class="muted">No curves: the runs sent no metrics records.</p>';
  }
}


/** A swept value as a tick: 1e-4 rather than a rounded 0. */
function paramTick(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return '';   // uPlot's unlabelled minor ticks on a log axis
  if (x === 0) return '0';
  return Math.abs(x) < 0.01 || Math.abs(x) >= 1e4 ? x.toExponential(0) : String(Number(x.toPrecision(3)));
}

const panel = new ComparePanel(document.getElementById('app') ?? document.body);
(window as unknown as { __compare: ComparePanel }).__compare = panel;

window.addEventListener('message', (event: MessageEvent) => {
  const msg = event.data as { type?: unknown; runs?: unknown };
  if (typeof msg !== 'object' || msg === null || msg.type !== 'init' || !Array.isArray(msg.runs)) return;
  const runs = (msg.runs as Partial<CompareRun>[])
    .filter((r) => typeof r?.name === 'string')
    .map((r) => ({ ...r, label: typeof r.label === 'string' ? r.label : r.name!, metrics: Array.isArray(r.metrics) ? r.metrics.filter(isMetricRecord) : undefined }) as CompareRun);
  panel.init(runs);
});

vscodeApi().postMessage({ type: 'ready' });
