// The attention viewer: owns the view state, the layer rows and the example card,
// and redraws only what a change touches:
//   example / step      rebuild rows, repaint everything
//   head / norm         repaint the cell images, redraw visible rows
//   hover               redraw the one (or two) rows whose crosshair moved
//   scroll              draw rows that came into view and are stale

import { esc } from '../shared/escape';
import type { Capture } from '../../src/core/capture';
import { axisLabels, type HeadSelection } from '../../src/core/capture/views';
import { vscodeApi } from '../shared/vscodeApi';
import { themeColors } from '../shared/theme';
import { cssGradient } from './colormap';
import { AttentionModel, type LayerMaps } from './model';
import { LayerRow, type PanelData, type RowLayout } from './layerRow';
import { drawImageWithOverlay } from './overlay';
import { composePng, viewCsv } from './exportView';
import { NORMALISATIONS, type Normalisation } from './normalize';
import { $, fillSelect, onSelect, PAGE_HTML, setSelect } from './page';

export interface ViewerState {
  example: number;
  layer: number;          // position along L: the enlarged layer and the overlay's layer
  head: HeadSelection;
  norm: Normalisation;
  step: number | null;
  latent: number;         // -1 = mean over latents
  enlarged: boolean;
  paths: PathsShown;      // which maps a layer row shows
}

/** Intact, corrupted and their difference side by side, or one of them alone (wider). */
export type PathsShown = 'all' | 'intact' | 'corrupted' | 'difference';
const PATHS_SHOWN: [PathsShown, string][] = [['all', 'intact | corrupted | difference'], ['intact', 'intact'], ['corrupted', 'corrupted'], ['difference', 'intact − corrupted']];

// 'global' by default: attention to latents is often 0.005-0.09, which a raw 0-1 scale
// draws as one flat colour; divided by the view's maximum it uses the whole colour
// range and the legend says what the ends stand for.
const DEFAULT_STATE: ViewerState = { example: 0, layer: 0, head: 'mean', norm: 'global', step: null, latent: -1, enlarged: false, paths: 'all' };
const fmt = (v: number): string => (Number.isFinite(v) ? (Math.abs(v) >= 0.001 || v === 0 ? v.toFixed(4) : v.toExponential(2)) : String(v));

export class AttentionViewer {
  state: ViewerState;
  private api = vscodeApi<ViewerState>();
  private model: AttentionModel | null = null;
  private steps: number[] = [];
  private rows: LayerRow[] = [];
  private big: LayerRow | null = null;
  private hovered: { row: LayerRow; r: number; c: number } | null = null;
  private restoreStep: number | null;

  constructor(root: HTMLElement) {
    root.innerHTML = PAGE_HTML;
    this.state = { ...DEFAULT_STATE, ...(this.api.getState() ?? {}) };
    this.restoreStep = this.state.step;
    // Saved at once: VS Code only brings back after a reload a webview that has state.
    this.api.setState(this.state);
    this.wireControls();
  }

  // ---- host messages -------------------------------------------------------

  showCapture(capture: Capture, step: number, steps: number[]): void {
    if (capture.examples.length === 0) return this.showMessage(`The capture of step ${step} holds no examples: set eval.capture.examples > 0 in the experiment.`, true);
    if (this.restoreStep !== null && this.restoreStep !== step && steps.includes(this.restoreStep)) {
      const wanted = this.restoreStep;
      this.restoreStep = null;
      this.api.postMessage({ type: 'requestStep', step: wanted });
    }
    this.restoreStep = null;
    this.model = new AttentionModel(capture);
    this.steps = [...steps].sort((a, b) => a - b);
    const s = this.state;
    s.step = step;
    s.example = clamp(s.example, 0, capture.examples.length - 1);
    s.layer = clamp(s.layer, 0, this.model.layerIndices.length - 1);
    if (typeof s.head === 'number' && s.head >= capture.model.heads) s.head = 'mean';
    $('message').hidden = true;
    $('content').hidden = false;
    this.fillControls();
    this.rebuildRows();
  }

  showMessage(message: string, isError: boolean): void {
    const el = $('message');
    el.textContent = message;
    el.classList.toggle('error', isError);
    el.hidden = false;
    if (isError) { $('content').hidden = true; $('enlarged').hidden = true; }
  }

  // ---- state changes ------------------------------------------------------

  /** The one way the view changes: every control, click and key calls this, and every control is then set from the state. */
  update(change: Partial<ViewerState>): void {
    const before = this.state;
    this.state = { ...before, ...change };
    this.api.setState(this.state);
    if (!this.model) return;
    if ((change.example !== undefined && change.example !== before.example) || (change.paths !== undefined && change.paths !== before.paths)) {
      this.fillControls();
      this.rebuildRows();
      return;
    }
    this.syncControls();
    if (change.head !== undefined || change.norm !== undefined) this.repaint();
    if (change.layer !== undefined || change.latent !== undefined || change.head !== undefined) this.drawExample();
    if (change.layer !== undefined) this.markSelectedLayer(change.layer !== before.layer && !this.state.enlarged);
    if (change.enlarged !== undefined || (this.state.enlarged && (change.layer !== undefined || change.latent !== undefined))) this.showEnlarged();
  }

  /** The selected layer's row is outlined (and scrolled to when the Layer dropdown moved it). */
  private markSelectedLayer(scroll: boolean): void {
    this.rows.forEach((row, l) => row.canvas.classList.toggle('selected', l === this.state.layer));
    const row = this.rows[this.state.layer];
    if (scroll && row && typeof row.canvas.scrollIntoView === 'function') row.canvas.scrollIntoView({ block: 'nearest' });
  }

  private get maps(): LayerMaps {
    return this.model!.maps(this.state.example, this.state.head, this.state.norm);
  }

  // ---- rows ------------------------------------------------------------------

  private layout(enlarged: boolean): RowLayout {
    const m = this.maps;
    const panels = this.panelsFor(0).length;
    const width = Math.max(320, (enlarged ? window.innerWidth - 48 : $('rows').clientWidth || window.innerWidth - 32));
    const labelW = 72;
    const gap = 16;
    // The maps fill the panel's width (up to 64 px a cell; 96 enlarged), rows about half as tall as wide.
    const cellW = clamp(Math.floor((width - labelW - gap * (panels - 1) - 8) / (panels * m.cols)), 3, enlarged ? 96 : 64);
    const cellH = enlarged ? clamp(Math.floor((window.innerHeight - 160) / m.rows), 6, 32) : clamp(Math.round(cellW * 0.5), 6, 24);
    // Latent labels under every map, answer labels left of it: both axes named.
    return { cellW, cellH, labelW, headerH: 18, footerH: 16, gap };
  }

  private labels(): { answer: string[]; latent: string[] } {
    return axisLabels(this.model!.examples[this.state.example]);
  }

  private rebuildRows(): void {
    const m = this.maps;
    const { answer, latent } = this.labels();
    const layout = this.layout(false);
    this.rows = m.layers.map((layer, l) => new LayerRow(l, `layer ${layer}`, m.rows, m.cols, answer, latent, layout));
    $('rows').replaceChildren(...this.rows.map((r) => r.canvas));
    this.hovered = null;
    this.markSelectedLayer(false);
    this.repaint();
    this.drawExample();
    if (this.state.enlarged) this.showEnlarged();
  }

  private panelsFor(l: number): PanelData[] {
    const m = this.maps;
    const all: PanelData[] = [{ kind: 'intact', values: m.scaled.intact[l] }];
    if (m.scaled.corrupted && m.diff) {
      all.push({ kind: 'corrupted', values: m.scaled.corrupted[l] }, { kind: 'difference', values: m.diff[l], maxAbs: m.diffMaxAbs });
    }
    const shown = this.state.paths === 'all' ? all : all.filter((p) => p.kind === this.state.paths);
    return shown.length > 0 ? shown : all;   // a capture without a corrupted path shows intact
  }

  /** New head or normalisation: repaint every row's cell images, draw the visible rows now. */
  private repaint(): void {
    this.rows.forEach((row, l) => row.setPanels(this.panelsFor(l)));
    if (this.big) this.big.setPanels(this.panelsFor(this.big.layerIndex));
    this.drawVisible();
    this.big?.draw();
    this.drawLegend();
  }

  drawVisible(): void {
    const bottom = window.innerHeight + 200;
    for (const row of this.rows) {
      if (!row.dirty) continue;
      const r = row.canvas.getBoundingClientRect();
      if (r.bottom >= -200 && r.top <= bottom) row.draw();
    }
  }

  /** Every row drawn, visible or not (export). */
  private drawAll(): void {
    for (const row of this.rows) if (row.dirty) row.draw();
  }

  private drawLegend(): void {
    const m = this.maps;
    $('seq-bar').style.background = cssGradient('sequential');
    $('div-bar').style.background = cssGradient('diverging');
    $('seq-lo').textContent = fmt(m.domain[0]);
    $('seq-hi').textContent = `${fmt(m.domain[1])} ${m.unit === 'attention' ? '' : `(${m.unit})`}`;
    const half = m.diffMaxAbs * (this.state.norm === 'row' ? 1 : m.domain[1]);
    $('div-lo').textContent = fmt(-half);
    $('div-hi').textContent = `+${fmt(half)}`;
    $('diff-legend').hidden = !m.diff;
  }

  // ---- hover -------------------------------------------------------------------

  /** Moves the synced crosshair to (r, c) of `row` (null clears it) and fills the tooltip. */
  hover(row: LayerRow | null, r = 0, c = 0, clientX = 0, clientY = 0): void {
    const prev = this.hovered;
    if (prev && (prev.row !== row || prev.r !== r || prev.c !== c)) { prev.row.setHover(null); prev.row.draw(); }
    const tip = $('tooltip');
    if (!row) { this.hovered = null; tip.hidden = true; return; }
    this.hovered = { row, r, c };
    row.setHover({ row: r, col: c });
    row.draw();
    const m = this.maps;
    const l = row.layerIndex;
    const j = r * m.cols + c;
    const { answer, latent } = this.labels();
    const lines = [`<b>layer ${esc(m.layers[l])}</b> · ${esc(answer[r])} <span class="muted">(answer ${r})</span> → ${esc(latent[c])}`];
    const shown = this.state.norm !== 'raw';
    lines.push(`intact <b>${fmt(m.raw.intact[l][j])}</b>${shown ? ` <span class="muted">shown ${fmt(m.scaled.intact[l][j])}</span>` : ''}`);
    if (m.raw.corrupted && m.scaled.corrupted && m.diff) {
      lines.push(`corrupted <b>${fmt(m.raw.corrupted[l][j])}</b>${shown ? ` <span class="muted">shown ${fmt(m.scaled.corrupted[l][j])}</span>` : ''}`);
      lines.push(`difference <b>${fmt(m.raw.intact[l][j] - m.raw.corrupted[l][j])}</b>${shown ? ` <span class="muted">shown ${fmt(m.diff[l][j])}</span>` : ''}`);
    }
    tip.innerHTML = lines.join('<br>');
    tip.hidden = false;
    tip.style.left = `${Math.min(clientX + 14, window.innerWidth - tip.offsetWidth - 4)}px`;
    tip.style.top = `${Math.min(clientY + 14, window.innerHeight - tip.offsetHeight - 4)}px`;
  }

  /** The canvas and pixel centre of a cell: tests read colours there, benchmarks hover there. */
  cellCenter(layer: number, panel: number, r: number, c: number): { canvas: HTMLCanvasElement; x: number; y: number } {
    const row = this.rows[layer];
    return { canvas: row.canvas, ...row.cellCenter(panel, r, c) };
  }

  rowAt(layer: number): LayerRow { return this.rows[layer]; }

  // ---- example card, enlarged layer, export ------------------------------------

  private drawExample(): void {
    const model = this.model!;
    const s = this.state;
    const ex = model.examples[s.example];
    $('task').textContent = ex.task;
    $('question').textContent = ex.question;
    $('answer').textContent = ex.answer;
    $('prediction').textContent = ex.prediction;
    const verdict = $('verdict');
    verdict.textContent = ex.correct ? '✓ right' : '✗ wrong';
    verdict.className = ex.correct ? 'right' : 'wrong';
    const grid = model.capture.model.patchGrid;
    drawImageWithOverlay($('image'), ex.image, model.latentPatches(s.example, 'intact', s.layer, s.head, s.latent), grid);
    const cFig = $('corrupted-figure');
    cFig.hidden = !ex.corruptedImage;
    if (ex.corruptedImage) {
      drawImageWithOverlay($('corrupted-image'), ex.corruptedImage, model.latentPatches(s.example, 'corrupted', s.layer, s.head, s.latent), grid);
      $('corrupted-caption').textContent = ex.corruption ? `corrupted: ${ex.corruption.mode}, strength ${ex.corruption.intensity.toFixed(2)}` : 'corrupted';
    }
    const latentName = s.latent < 0 ? 'mean of all latents' : this.labels().latent[s.latent];
    $('overlay-caption').textContent = `${latentName} → image patches, layer ${model.layerIndices[s.layer]}, heads: ${s.head} (scaled to its max)`;
  }

  private showEnlarged(): void {
    const host = $('enlarged');
    if (!this.state.enlarged) { host.hidden = true; this.big = null; return; }
    const m = this.maps;
    const { answer, latent } = this.labels();
    this.big = new LayerRow(this.state.layer, `layer ${m.layers[this.state.layer]}`, m.rows, m.cols, answer, latent, this.layout(true));
    this.big.setPanels(this.panelsFor(this.state.layer));
    this.big.draw();
    $('enlarged-title').textContent = `layer ${m.layers[this.state.layer]} · heads: ${this.state.head} · ${this.state.norm}`;
    $('enlarged-host').replaceChildren(this.big.canvas);
    host.hidden = false;
  }

  exportPng(): void {
    if (!this.model) return;
    this.drawAll();
    const canvases = this.state.enlarged && this.big ? [this.big.canvas] : this.rows.map((r) => r.canvas);
    this.api.postMessage({ type: 'export', kind: 'png', data: composePng(canvases, themeColors().background), suggestedName: this.exportName('png') });
  }

  exportCsv(): void {
    if (!this.model) return;
    const s = this.state;
    const { answer, latent } = this.labels();
    const layers = s.enlarged ? [s.layer] : this.model.layerIndices.map((_, l) => l);
    const data = viewCsv(this.maps, { step: s.step ?? 0, example: this.model.examples[s.example].id, head: String(s.head), normalisation: s.norm, answerLabels: answer, latentLabels: latent, layers });
    this.api.postMessage({ type: 'export', kind: 'csv', data, suggestedName: this.exportName('csv') });
  }

  private exportName(ext: string): string {
    const s = this.state;
    const ex = this.model!.examples[s.example].id;
    return `attention-step${s.step}-${ex}-${s.enlarged ? `layer${this.model!.layerIndices[s.layer]}-` : ''}${s.head}-${s.norm}.${ext}`;
  }

  // ---- controls ------------------------------------------------------------------

  private fillControls(): void {
    const model = this.model!;
    const s = this.state;
    fillSelect('example', model.examples.map((e, i) => [String(i), `${e.id} · ${e.task} · ${e.correct ? '✓' : '✗'}`]), String(s.example));
    fillSelect('head', [['mean', 'mean of heads'], ['max', 'max of heads'], ...Array.from({ length: model.heads }, (_, i): [string, string] => [String(i), `head ${i}`])], String(s.head));
    fillSelect('norm', NORMALISATIONS.map((n): [string, string] => [n, n === 'raw' ? 'raw (0–1)' : n === 'row' ? 'per row' : 'to the view\'s max']), s.norm);
    const dual = !!model.examples[s.example].paths.corrupted;
    if (!dual) s.paths = 'all';
    fillSelect('paths', dual ? PATHS_SHOWN : [['all', 'intact']], s.paths);
    fillSelect('layer', model.layerIndices.map((li, l): [string, string] => [String(l), `layer ${li}`]), String(s.layer));
    const K = model.examples[s.example].latentCols.length;
    s.latent = clamp(s.latent, -1, K - 1);
    fillSelect('latent', [['-1', 'all (mean)'], ...this.labels().latent.map((n, k): [string, string] => [String(k), n])], String(s.latent));
    const box = $('step-box');
    box.hidden = this.steps.length < 2;
    const slider = $<HTMLInputElement>('step');
    slider.max = String(Math.max(0, this.steps.length - 1));
    slider.value = String(Math.max(0, this.steps.indexOf(s.step ?? -1)));
    $('step-label').textContent = `${s.step} (${this.steps.indexOf(s.step ?? -1) + 1}/${this.steps.length})`;
    this.syncControls();
  }

  /** Control values follow the state (a change made by code, a restore, or another control). */
  private syncControls(): void {
    const s = this.state;
    setSelect('example', String(s.example));
    setSelect('head', String(s.head));
    setSelect('norm', s.norm);
    setSelect('paths', s.paths);
    setSelect('layer', String(s.layer));
    setSelect('latent', String(s.latent));
    if (s.step !== null && this.steps.length > 0) {
      $<HTMLInputElement>('step').value = String(Math.max(0, this.steps.indexOf(s.step)));
      $('step-label').textContent = `${s.step} (${this.steps.indexOf(s.step) + 1}/${this.steps.length})`;
    }
  }

  private wireControls(): void {
    onSelect('example', (v) => this.update({ example: Number(v) }));
    onSelect('head', (v) => this.update({ head: v === 'mean' || v === 'max' ? v : Number(v) }));
    onSelect('norm', (v) => this.update({ norm: v as Normalisation }));
    onSelect('paths', (v) => this.update({ paths: PATHS_SHOWN.some(([p]) => p === v) ? v as PathsShown : 'all' }));
    onSelect('layer', (v) => this.update({ layer: Number(v) }));
    onSelect('latent', (v) => this.update({ latent: Number(v) }));
    const step = (d: number): void => {
      if (!this.model) return;
      const n = this.model.examples.length;
      this.update({ example: (this.state.example + d + n) % n });
    };
    $('prev').addEventListener('click', () => step(-1));
    $('next').addEventListener('click', () => step(1));
    const slider = $<HTMLInputElement>('step');
    slider.addEventListener('input', () => { $('step-label').textContent = `${this.steps[Number(slider.value)]} …`; });
    slider.addEventListener('change', () => this.api.postMessage({ type: 'requestStep', step: this.steps[Number(slider.value)] }));
    $('export-png').addEventListener('click', () => this.exportPng());
    $('export-csv').addEventListener('click', () => this.exportCsv());
    $('close').addEventListener('click', () => this.update({ enlarged: false }));
    document.addEventListener('keydown', (e) => { if (e.key === 'Escape' && this.state.enlarged) this.update({ enlarged: false }); });
    const rows = $('rows');
    rows.addEventListener('mousemove', (e) => this.hoverEvent(e, (el) => this.rows[Number(el.dataset.layer)]));
    rows.addEventListener('mouseleave', () => this.hover(null));
    rows.addEventListener('click', (e) => {
      const el = e.target as HTMLElement;
      if (el.dataset.layer !== undefined) this.update({ layer: Number(el.dataset.layer), enlarged: true });
    });
    const big = $('enlarged-host');
    big.addEventListener('mousemove', (e) => this.hoverEvent(e, () => this.big));
    big.addEventListener('mouseleave', () => this.hover(null));
    big.addEventListener('click', (e) => {
      const hit = this.big?.hitTest(e.offsetX, e.offsetY);
      if (hit) this.update({ latent: hit.col });
    });
    let pending = false;
    window.addEventListener('scroll', () => {
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => { pending = false; this.drawVisible(); });
    }, { passive: true });
    window.addEventListener('resize', () => { if (this.model) this.rebuildRows(); });
  }

  private hoverEvent(e: MouseEvent, rowOf: (el: HTMLElement) => LayerRow | null | undefined): void {
    const el = e.target as HTMLElement;
    const row = el instanceof HTMLCanvasElement ? rowOf(el) : null;
    const hit = row?.hitTest(e.offsetX, e.offsetY);
    if (!row || !hit) return this.hover(null);
    if (this.hovered?.row === row && this.hovered.r === hit.row && this.hovered.c === hit.col) return;
    this.hover(row, hit.row, hit.col, e.clientX, e.clientY);
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(Number.isFinite(v) ? v : lo, lo), hi);
}

