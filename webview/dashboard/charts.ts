// A themed uPlot line chart. Colours come from VS Code's chart theme variables;
// data arrives already decimated, so a redraw stays cheap.

import uPlot from 'uplot';
import { themeColors } from '../shared/theme';

const SERIES_VARS = ['--vscode-charts-blue', '--vscode-charts-orange', '--vscode-charts-green', '--vscode-charts-purple', '--vscode-charts-red', '--vscode-charts-yellow'];
const FALLBACK = ['#3794ff', '#d18616', '#89d185', '#b180d7', '#f14c4c', '#cca700'];

export function seriesColor(i: number): string {
  const s = getComputedStyle(document.body);
  const j = i % SERIES_VARS.length;
  return s.getPropertyValue(SERIES_VARS[j]).trim() || FALLBACK[j];
}

/** Short tick labels: 3 significant digits, exponent form for very small or large values. */
export function tickLabel(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a < 1e-2 || a >= 1e5) return v.toExponential(1);
  return String(Number(v.toPrecision(3)));
}

export interface ChartSpec {
  title: string;
  series: string[];
  width: number;
  height: number;
  yRange?: [number, number];
  dashed?: string[];          // series drawn dashed (e.g. the mean)
}

export class LineChart {
  readonly root = document.createElement('div');
  plot: uPlot;

  constructor(readonly spec: ChartSpec, parent: HTMLElement) {
    this.root.className = 'chart';
    parent.appendChild(this.root);
    const theme = themeColors();
    const axis = { stroke: theme.muted, grid: { stroke: theme.border, width: 1 }, ticks: { stroke: theme.border, width: 1 }, font: `11px ${theme.font}` };
    const tick = (_u: uPlot, vals: number[]): string[] => vals.map(tickLabel);
    const range = spec.yRange;
    this.plot = new uPlot({
      title: spec.title,
      width: spec.width,
      height: spec.height,
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: false }, y: range ? { range: () => range } : {} },
      axes: [{ ...axis, size: 28 }, { ...axis, size: 56, values: tick }],
      legend: { live: true },
      series: [{ label: 'step' }, ...spec.series.map((name, i) => ({
        label: name,
        stroke: seriesColor(i),
        width: 1.5,
        dash: spec.dashed?.includes(name) ? [6, 4] : undefined,
        // Markers only when few points are in view: a single evaluation is otherwise invisible.
        points: { show: (_u: uPlot, _s: number, i0: number, i1: number) => i1 - i0 < 50 },
        spanGaps: true,
      }))],
    }, [[], ...spec.series.map(() => [])] as uPlot.AlignedData, this.root);
  }

  setData(xs: number[], ys: (number | null)[][]): void {
    this.plot.setData([xs, ...ys] as uPlot.AlignedData);
  }

  setWidth(width: number): void {
    this.plot.setSize({ width, height: this.spec.height });
  }

  destroy(): void {
    this.plot.destroy();
    this.root.remove();
  }
}
