// Colour maps as 256-entry RGBA lookup tables, and the loops that paint a map of
// values into RGBA pixels. Pure math, no DOM: unit-tested in Node, used by the
// heatmaps and the latent→image overlay.
//
// Sequential: viridis (perceptually uniform, readable on light and dark themes).
// Diverging: ColorBrewer RdBu, blue < 0 < red, with the neutral #f7f7f7 exactly at 0.

type RGB = [number, number, number];

const VIRIDIS: RGB[] = [
  [68, 1, 84], [71, 44, 122], [59, 81, 139], [44, 113, 142], [33, 144, 141],
  [39, 173, 129], [92, 200, 99], [170, 220, 50], [253, 231, 37],
];
const RDBU: RGB[] = [
  [5, 48, 97], [33, 102, 172], [67, 147, 195], [146, 197, 222], [209, 229, 240],
  [247, 247, 247],
  [253, 219, 199], [244, 165, 130], [214, 96, 77], [178, 24, 43], [103, 0, 31],
];
export const NEUTRAL: RGB = [247, 247, 247];
export const MISSING: RGB = [128, 128, 128];   // NaN cells

/** Piecewise-linear interpolation between equally spaced anchors, t in [0, 1]. */
function interpolate(anchors: RGB[], t: number): RGB {
  const x = Math.min(Math.max(t, 0), 1) * (anchors.length - 1);
  const i = Math.min(Math.floor(x), anchors.length - 2);
  const f = x - i;
  const [a, b] = [anchors[i], anchors[i + 1]];
  return [0, 1, 2].map((c) => Math.round(a[c] + (b[c] - a[c]) * f)) as RGB;
}

function lut(anchors: RGB[], entries: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(entries * 4);
  for (let i = 0; i < entries; i++) {
    out.set([...interpolate(anchors, i / (entries - 1)), 255], i * 4);
  }
  return out;
}

/** 256 entries: index round(t * 255) for t in [0, 1]. */
export const SEQUENTIAL_LUT = lut(VIRIDIS, 256);
/** 255 entries (odd, so 0 has its own entry 127): index round((t + 1) / 2 * 254) for t in [-1, 1]. */
export const DIVERGING_LUT = lut(RDBU, 255);

export function sequentialIndex(t: number): number {
  return Math.round(Math.min(Math.max(t, 0), 1) * 255);
}
export function divergingIndex(t: number): number {
  return Math.round((Math.min(Math.max(t, -1), 1) + 1) * 127);
}

/** The colour a value in [0, 1] gets on the sequential scale. */
export function sequentialColor(t: number): RGB {
  if (Number.isNaN(t)) return [...MISSING];
  const i = sequentialIndex(t) * 4;
  return [SEQUENTIAL_LUT[i], SEQUENTIAL_LUT[i + 1], SEQUENTIAL_LUT[i + 2]];
}
/** The colour a value in [-1, 1] gets on the diverging scale (0 = NEUTRAL). */
export function divergingColor(t: number): RGB {
  if (Number.isNaN(t)) return [...MISSING];
  const i = divergingIndex(t) * 4;
  return [DIVERGING_LUT[i], DIVERGING_LUT[i + 1], DIVERGING_LUT[i + 2]];
}

/** Paints values already scaled to [0, 1] into RGBA pixels (one pixel per value). */
export function paintSequential(values: Float32Array, out: Uint8ClampedArray, alpha = 255): void {
  for (let j = 0, q = 0; j < values.length; j++, q += 4) {
    const v = values[j];
    if (v !== v) { out[q] = MISSING[0]; out[q + 1] = MISSING[1]; out[q + 2] = MISSING[2]; out[q + 3] = alpha; continue; }
    const i = sequentialIndex(v) * 4;
    out[q] = SEQUENTIAL_LUT[i]; out[q + 1] = SEQUENTIAL_LUT[i + 1]; out[q + 2] = SEQUENTIAL_LUT[i + 2]; out[q + 3] = alpha;
  }
}

/** Paints signed values on the diverging scale over [-maxAbs, maxAbs]; maxAbs 0 paints everything neutral. */
export function paintDiverging(values: Float32Array, maxAbs: number, out: Uint8ClampedArray): void {
  const inv = maxAbs > 0 ? 1 / maxAbs : 0;
  for (let j = 0, q = 0; j < values.length; j++, q += 4) {
    const v = values[j];
    if (v !== v) { out[q] = MISSING[0]; out[q + 1] = MISSING[1]; out[q + 2] = MISSING[2]; out[q + 3] = 255; continue; }
    const i = divergingIndex(v * inv) * 4;
    out[q] = DIVERGING_LUT[i]; out[q + 1] = DIVERGING_LUT[i + 1]; out[q + 2] = DIVERGING_LUT[i + 2]; out[q + 3] = 255;
  }
}

/** CSS gradient stops for a legend bar. */
export function cssGradient(kind: 'sequential' | 'diverging'): string {
  const anchors = kind === 'sequential' ? VIRIDIS : RDBU;
  return `linear-gradient(to right, ${anchors.map((c, i) => `rgb(${c.join(',')}) ${(100 * i / (anchors.length - 1)).toFixed(1)}%`).join(', ')})`;
}
