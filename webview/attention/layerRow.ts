// One layer of the small multiples: a single canvas holding the answer-token
// labels and the intact | corrupted | difference heatmaps side by side.
// Each panel's cells are painted once into a 1-pixel-per-cell canvas (ImageData)
// and scaled up with drawImage, so a hover redraw is three drawImage calls plus
// the crosshair.

import { paintDiverging, paintSequential } from './colormap';
import { themeColors } from '../shared/theme';

export type PanelKind = 'intact' | 'corrupted' | 'difference';

export interface PanelData { kind: PanelKind; values: Float32Array; maxAbs?: number }

export interface RowLayout {
  cellW: number;
  cellH: number;
  labelW: number;        // left margin for answer-token labels
  headerH: number;       // panel titles
  footerH: number;       // latent labels (enlarged view only)
  gap: number;
}

export interface Hit { panel: number; row: number; col: number }

const TITLES: Record<PanelKind, string> = { intact: 'intact', corrupted: 'corrupted', difference: 'intact − corrupted' };

export class LayerRow {
  readonly canvas = document.createElement('canvas');
  private cells: HTMLCanvasElement[] = [];
  private panels: PanelData[] = [];
  private hover: { row: number; col: number } | null = null;
  dirty = true;
  private cellsStale = true;

  constructor(
    readonly layerIndex: number,           // position along L
    readonly title: string,                // e.g. 'layer 5'
    private rows: number,
    private cols: number,
    private rowLabels: string[],
    private colLabels: string[],
    public layout: RowLayout,
  ) {
    this.canvas.className = 'layer-row';
    this.canvas.dataset.layer = String(layerIndex);
    this.resize();
  }

  panelX(p: number): number {
    const { labelW, cellW, gap } = this.layout;
    return labelW + p * (this.cols * cellW + gap);
  }

  resize(): void {
    const { cellW, cellH, headerH, footerH, gap, labelW } = this.layout;
    const n = Math.max(1, this.panels.length || 3);
    this.canvas.width = labelW + n * this.cols * cellW + (n - 1) * gap + 4;
    this.canvas.height = headerH + this.rows * cellH + footerH + 2;
    this.dirty = true;
  }

  /** New values. The per-cell images are repainted lazily, when the row is next drawn (visible rows only). */
  setPanels(panels: PanelData[]): void {
    const resize = panels.length !== this.panels.length;
    this.panels = panels;
    this.cellsStale = true;
    if (resize) this.resize();
    this.dirty = true;
  }

  private paintCells(): void {
    while (this.cells.length < this.panels.length) {
      const c = document.createElement('canvas');
      c.width = this.cols;
      c.height = this.rows;
      this.cells.push(c);
    }
    this.panels.forEach((p, i) => {
      const ctx = this.cells[i].getContext('2d')!;
      const img = ctx.createImageData(this.cols, this.rows);
      if (p.kind === 'difference') paintDiverging(p.values, p.maxAbs ?? 0, img.data);
      else paintSequential(p.values, img.data);
      ctx.putImageData(img, 0, 0);
    });
    this.cellsStale = false;
  }

  setHover(h: { row: number; col: number } | null): void {
    this.hover = h;
    this.dirty = true;
  }

  hitTest(x: number, y: number): Hit | null {
    const { cellW, cellH, headerH } = this.layout;
    const row = Math.floor((y - headerH) / cellH);
    if (row < 0 || row >= this.rows) return null;
    for (let p = 0; p < this.panels.length; p++) {
      const col = Math.floor((x - this.panelX(p)) / cellW);
      if (col >= 0 && col < this.cols) return { panel: p, row, col };
    }
    return null;
  }

  /** Canvas-pixel centre of a cell (tests and benchmarks aim the mouse with it). */
  cellCenter(panel: number, row: number, col: number): { x: number; y: number } {
    const { cellW, cellH, headerH } = this.layout;
    return { x: this.panelX(panel) + (col + 0.5) * cellW, y: headerH + (row + 0.5) * cellH };
  }

  draw(): void {
    if (this.cellsStale) this.paintCells();
    const ctx = this.canvas.getContext('2d')!;
    const theme = themeColors();
    const { cellW, cellH, headerH, labelW, footerH } = this.layout;
    const w = this.cols * cellW;
    const h = this.rows * cellH;
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    ctx.imageSmoothingEnabled = false;
    ctx.textBaseline = 'middle';
    ctx.fillStyle = theme.foreground;
    ctx.font = `600 11px ${theme.font}`;
    ctx.textAlign = 'left';
    ctx.fillText(this.title, 2, headerH / 2);
    ctx.font = `11px ${theme.font}`;
    this.panels.forEach((p, i) => {
      const x = this.panelX(i);
      ctx.fillStyle = theme.muted;
      ctx.fillText(TITLES[p.kind], x, headerH / 2);
      ctx.drawImage(this.cells[i], x, headerH, w, h);
    });
    // Answer-token labels: every row when there is room, else every n-th.
    const fontPx = Math.min(11, Math.max(7, cellH - 1));
    const every = Math.ceil(fontPx / cellH);
    ctx.font = `${fontPx}px ${theme.font}`;
    ctx.textAlign = 'right';
    for (let r = 0; r < this.rows; r += every) {
      ctx.fillStyle = this.hover?.row === r ? theme.foreground : theme.muted;
      ctx.fillText(clip(this.rowLabels[r], 10), labelW - 4, headerH + (r + 0.5) * cellH);
    }
    if (footerH > 0) {
      ctx.textAlign = 'center';
      ctx.font = `${Math.min(11, cellW - 1)}px ${theme.font}`;
      for (let p = 0; p < this.panels.length; p++) {
        for (let c = 0; c < this.cols; c++) {
          ctx.fillStyle = this.hover?.col === c ? theme.foreground : theme.muted;
          ctx.fillText(clip(this.colLabels[c], 4), this.panelX(p) + (c + 0.5) * cellW, headerH + h + footerH / 2);
        }
      }
    }
    if (this.hover) this.drawCrosshair(ctx, theme.focus, theme.background);
    this.dirty = false;
  }

  private drawCrosshair(ctx: CanvasRenderingContext2D, focus: string, background: string): void {
    const { cellW, cellH, headerH } = this.layout;
    const { row, col } = this.hover!;
    const w = this.cols * cellW;
    const h = this.rows * cellH;
    for (let p = 0; p < this.panels.length; p++) {
      const x = this.panelX(p);
      ctx.strokeStyle = focus;
      ctx.globalAlpha = 0.55;
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(x, headerH + (row + 0.5) * cellH); ctx.lineTo(x + w, headerH + (row + 0.5) * cellH);
      ctx.moveTo(x + (col + 0.5) * cellW, headerH); ctx.lineTo(x + (col + 0.5) * cellW, headerH + h);
      ctx.stroke();
      ctx.globalAlpha = 1;
      // A double outline stays visible over any cell colour.
      ctx.strokeStyle = background;
      ctx.lineWidth = 3;
      ctx.strokeRect(x + col * cellW - 0.5, headerH + row * cellH - 0.5, cellW + 1, cellH + 1);
      ctx.strokeStyle = focus;
      ctx.lineWidth = 1.5;
      ctx.strokeRect(x + col * cellW - 0.5, headerH + row * cellH - 0.5, cellW + 1, cellH + 1);
    }
  }
}

function clip(s: string | undefined, n: number): string {
  const t = s ?? '';
  return t.length > n ? `${t.slice(0, n - 1)}…` : t;
}
