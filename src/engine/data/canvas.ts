// In-process drawing into a Float32Array [H, W, 3] with values in [0, 1].
//
// Shapes are rasterised by testing each pixel centre (x + 0.5, y + 0.5) against the shape,
// inside the shape's bounding box only, so a 32×32 scene costs a few thousand tests.

import { Rng } from './rng';

export type Rgb = readonly [number, number, number];

/** Named colours, chosen to stay distinct after a patch-linear encoder and mild blur. */
export const PALETTE = {
  red: [0.9, 0.1, 0.1],
  green: [0.1, 0.8, 0.2],
  blue: [0.15, 0.3, 0.95],
  yellow: [0.95, 0.9, 0.1],
  purple: [0.6, 0.2, 0.8],
  orange: [1.0, 0.55, 0.05],
  white: [1.0, 1.0, 1.0],
  gray: [0.5, 0.5, 0.5],
} as const satisfies Record<string, Rgb>;

export type ColourName = keyof typeof PALETTE;
export const COLOURS = Object.keys(PALETTE) as ColourName[];
/** Colours for objects: white is kept for markers and outlines, gray for frames. */
export const OBJECT_COLOURS: ColourName[] = ['red', 'green', 'blue', 'yellow', 'purple', 'orange'];

export type ShapeName = 'square' | 'circle' | 'triangle' | 'cross' | 'diamond';
export const SHAPES: ShapeName[] = ['square', 'circle', 'triangle', 'cross', 'diamond'];
export const SHAPE_PLURAL: Record<ShapeName, string> = {
  square: 'squares', circle: 'circles', triangle: 'triangles', cross: 'crosses', diamond: 'diamonds',
};

/** Background: dark, not black, so "blank" (mask corruption) and "background" differ. */
export const BACKGROUND: Rgb = [0.05, 0.05, 0.08];

// 3×5 bitmap glyphs, rows top to bottom, '#' = ink.
const GLYPHS: Record<string, string[]> = {
  '0': ['###', '#.#', '#.#', '#.#', '###'],
  '1': ['.#.', '##.', '.#.', '.#.', '###'],
  '2': ['##.', '..#', '.#.', '#..', '###'],
  '3': ['##.', '..#', '.#.', '..#', '##.'],
  '4': ['#.#', '#.#', '###', '..#', '..#'],
  '5': ['###', '#..', '##.', '..#', '##.'],
  '6': ['.##', '#..', '###', '#.#', '###'],
  '7': ['###', '..#', '.#.', '.#.', '.#.'],
  '8': ['###', '#.#', '###', '#.#', '###'],
  '9': ['###', '#.#', '###', '..#', '##.'],
  a: ['.#.', '#.#', '###', '#.#', '#.#'],
  b: ['##.', '#.#', '##.', '#.#', '##.'],
  c: ['.##', '#..', '#..', '#..', '.##'],
  d: ['##.', '#.#', '#.#', '#.#', '##.'],
};
export const GLYPH_WIDTH = 3;
export const GLYPH_HEIGHT = 5;

/**
 * Index into OBJECT_COLOURS of the colour at rgb[offset..offset+3] (exact up to float32
 * rounding: a canvas pixel or a palette entry), −1 for any other colour.
 */
export function objectColourIndex(rgb: ArrayLike<number>, offset = 0): number {
  return OBJECT_COLOURS.findIndex((c) => PALETTE[c].every((v, k) => Math.abs(v - rgb[offset + k]) < 1e-6));
}

/** An object's shape (index into SHAPES) and colour (index into OBJECT_COLOURS, −1 for any other colour). */
export interface ObjectKind { shape: number; colour: number }

export class Canvas {
  readonly data: Float32Array;   // [H, W, 3]
  /** [H, W]: index into SHAPES of the shape that painted each pixel last, −1 where anything else did (method.sft.patch_probe). */
  readonly shapeMap: Int8Array;
  /** The kind of every shape() drawn, in order (method.sft.patch_probe's count head). */
  readonly objects: ObjectKind[] = [];
  private painting = -1;   // the SHAPES index shape() is painting, −1 otherwise

  constructor(readonly size: number, background: Rgb = BACKGROUND) {
    this.data = new Float32Array(size * size * 3);
    this.shapeMap = new Int8Array(size * size).fill(-1);
    this.fill(background);
  }

  fill(colour: Rgb): void {
    for (let i = 0; i < this.data.length; i += 3) {
      this.data[i] = colour[0];
      this.data[i + 1] = colour[1];
      this.data[i + 2] = colour[2];
    }
  }

  setPixel(x: number, y: number, colour: Rgb): void {
    if (x < 0 || y < 0 || x >= this.size || y >= this.size) return;
    this.shapeMap[y * this.size + x] = this.painting;
    const o = (y * this.size + x) * 3;
    this.data[o] = colour[0];
    this.data[o + 1] = colour[1];
    this.data[o + 2] = colour[2];
  }

  getPixel(x: number, y: number): [number, number, number] {
    const o = (y * this.size + x) * 3;
    return [this.data[o], this.data[o + 1], this.data[o + 2]];
  }

  /** Paints every pixel whose centre satisfies `inside(px, py)` within the box [x0, x1) × [y0, y1). */
  paintWhere(x0: number, y0: number, x1: number, y1: number, colour: Rgb, inside: (px: number, py: number) => boolean): void {
    const xa = Math.max(0, Math.floor(x0)), xb = Math.min(this.size, Math.ceil(x1));
    const ya = Math.max(0, Math.floor(y0)), yb = Math.min(this.size, Math.ceil(y1));
    for (let y = ya; y < yb; y++) {
      for (let x = xa; x < xb; x++) {
        if (inside(x + 0.5, y + 0.5)) this.setPixel(x, y, colour);
      }
    }
  }

  /** Filled axis-aligned rectangle covering pixels [x, x + w) × [y, y + h). */
  rect(x: number, y: number, w: number, h: number, colour: Rgb): void {
    this.paintWhere(x, y, x + w, y + h, colour, () => true);
  }

  /** One-pixel outline of the rectangle [x, x + w) × [y, y + h). */
  rectOutline(x: number, y: number, w: number, h: number, colour: Rgb): void {
    this.rect(x, y, w, 1, colour);
    this.rect(x, y + h - 1, w, 1, colour);
    this.rect(x, y, 1, h, colour);
    this.rect(x + w - 1, y, 1, h, colour);
  }

  circle(cx: number, cy: number, r: number, colour: Rgb): void {
    this.paintWhere(cx - r, cy - r, cx + r, cy + r, colour, (px, py) => (px - cx) ** 2 + (py - cy) ** 2 <= r * r);
  }

  /** Bresenham line between pixel coordinates. */
  line(x0: number, y0: number, x1: number, y1: number, colour: Rgb): void {
    x0 = Math.round(x0); y0 = Math.round(y0); x1 = Math.round(x1); y1 = Math.round(y1);
    const dx = Math.abs(x1 - x0), dy = -Math.abs(y1 - y0);
    const sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
    let err = dx + dy;
    for (;;) {
      this.setPixel(x0, y0, colour);
      if (x0 === x1 && y0 === y1) break;
      const e2 = 2 * err;
      if (e2 >= dy) { err += dy; x0 += sx; }
      if (e2 <= dx) { err += dx; y0 += sy; }
    }
  }

  /** A named shape centred at (cx, cy) with half-extent r (so about 2r pixels across). */
  shape(shape: ShapeName, cx: number, cy: number, r: number, colour: Rgb): void {
    const box = (inside: (dx: number, dy: number) => boolean): void =>
      this.paintWhere(cx - r, cy - r, cx + r, cy + r, colour, (px, py) => inside(px - cx, py - cy));
    this.painting = SHAPES.indexOf(shape);
    this.objects.push({ shape: this.painting, colour: objectColourIndex(colour) });
    switch (shape) {
      case 'square': box((dx, dy) => Math.abs(dx) <= r && Math.abs(dy) <= r); break;
      case 'circle': box((dx, dy) => dx * dx + dy * dy <= r * r); break;
      case 'triangle': box((dx, dy) => dy >= -r && dy <= r && Math.abs(dx) <= (dy + r) / 2 + 0.25); break;
      case 'diamond': box((dx, dy) => Math.abs(dx) + Math.abs(dy) <= r + 0.25); break;
      case 'cross': {
        const arm = Math.max(0.5, r / 3);
        box((dx, dy) => (Math.abs(dx) <= arm && Math.abs(dy) <= r) || (Math.abs(dy) <= arm && Math.abs(dx) <= r));
        break;
      }
    }
    this.painting = -1;
  }

  /** A 3×5 glyph (digits, a–d) with its top-left corner at (x, y), each dot `scale` pixels. */
  glyph(char: string, x: number, y: number, colour: Rgb, scale = 1): void {
    const rows = GLYPHS[char.toLowerCase()];
    if (!rows) throw new Error(`Canvas.glyph: no glyph for ${JSON.stringify(char)}`);
    rows.forEach((row, gy) => {
      for (let gx = 0; gx < row.length; gx++) {
        if (row[gx] === '#') this.rect(x + gx * scale, y + gy * scale, scale, scale, colour);
      }
    });
  }

  /** Copies the square block [sx, sx + n) × [sy, sy + n) of `src` to (dx, dy) here. */
  blit(src: Canvas, sx: number, sy: number, n: number, dx: number, dy: number): void {
    for (let y = 0; y < n; y++) {
      const from = ((sy + y) * src.size + sx) * 3;
      const to = ((dy + y) * this.size + dx) * 3;
      this.data.set(src.data.subarray(from, from + n * 3), to);
    }
  }
}

export interface Slot { cx: number; cy: number; r: number; col: number; row: number }

export interface Grid {
  cols: number;
  rows: number;
  cell: number;   // pixels per cell
  x0?: number;    // top-left corner of the grid
  y0?: number;
}

/**
 * `n` non-overlapping object positions in distinct cells of `grid`, each centre jittered inside
 * its cell so the object (about 70% of a cell across) stays in it and neighbours never touch.
 * `cells` restricts the choice (indices row * cols + col).
 */
export function gridSlots(rng: Rng, n: number, grid: Grid, cells?: number[]): Slot[] {
  const { cols, rows, cell } = grid;
  const pool = cells ?? [...Array(cols * rows).keys()];
  if (n > pool.length) throw new Error(`gridSlots: ${n} objects do not fit ${pool.length} free cells`);
  const r = Math.max(1.5, cell * 0.35);
  const slack = Math.max(0, cell / 2 - r - 0.5);
  return rng.sample(pool, n).map((index) => {
    const col = index % cols, row = Math.floor(index / cols);
    return {
      cx: (grid.x0 ?? 0) + (col + 0.5) * cell + rng.uniform(-slack, slack),
      cy: (grid.y0 ?? 0) + (row + 0.5) * cell + rng.uniform(-slack, slack),
      r,
      col,
      row,
    };
  });
}

/** A square grid over the whole image with `cells` per side. */
export function squareGrid(size: number, cells: number): Grid {
  return { cols: cells, rows: cells, cell: size / cells };
}

/** Cells per side so that objects stay at least ~5 pixels wide (smaller shapes blur together). */
export function cellsFor(extent: number, atLeast: number, atMost: number): number {
  return Math.max(atLeast, Math.min(atMost, Math.floor(extent / 7)));
}
