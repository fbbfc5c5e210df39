// Read-only views into decoded capture arrays: one layer's map for one head or
// a reduction over heads, one row of a map, an image as RGBA. Pure TypeScript,
// shared by the webview, the CLI and tests.

import type { Capture, Float32Tensor, Uint8Tensor } from '../capture';

export type HeadSelection = number | 'mean' | 'max';

/**
 * Map of one layer of a [L, h, R, C] array, as a row-major [R, C] Float32Array:
 * a single head (copied), or the mean / max over heads.
 */
export function headView(arr: Float32Tensor, layer: number, head: HeadSelection): Float32Array {
  const [L, h, R, C] = arr.shape;
  if (arr.shape.length !== 4) throw new RangeError(`headView: expected a [L, h, R, C] array, got shape [${arr.shape.join(', ')}]`);
  if (layer < 0 || layer >= L) throw new RangeError(`headView: layer ${layer} outside 0..${L - 1}`);
  const size = R * C;
  const layerStart = layer * h * size;
  if (typeof head === 'number') {
    if (head < 0 || head >= h || !Number.isInteger(head)) throw new RangeError(`headView: head ${head} outside 0..${h - 1}`);
    return arr.data.slice(layerStart + head * size, layerStart + (head + 1) * size);
  }
  const out = new Float32Array(size);
  const d = arr.data;
  if (head === 'mean') {
    for (let k = 0; k < h; k++) {
      const base = layerStart + k * size;
      for (let j = 0; j < size; j++) out[j] += d[base + j];
    }
    for (let j = 0; j < size; j++) out[j] /= h;
  } else {
    out.set(d.subarray(layerStart, layerStart + size));
    for (let k = 1; k < h; k++) {
      const base = layerStart + k * size;
      for (let j = 0; j < size; j++) if (d[base + j] > out[j]) out[j] = d[base + j];
    }
  }
  return out;
}

/** Row `row` of a row-major [R, C] map. */
export function mapRow(map: Float32Array, cols: number, row: number): Float32Array {
  return map.subarray(row * cols, (row + 1) * cols);
}

/** The decoder layer index of each entry along L (model.capturedLayers, or 0..layers-1). */
export function capturedLayers(capture: Pick<Capture, 'model'>): number[] {
  return capture.model.capturedLayers ?? Array.from({ length: capture.model.layers }, (_, i) => i);
}

/** An [H, W, 3] uint8 image as canvas-ready RGBA bytes (alpha 255). */
export function imageRGBA(img: Uint8Tensor): Uint8ClampedArray {
  const [H, W] = img.shape;
  const out = new Uint8ClampedArray(H * W * 4);
  for (let p = 0, q = 0; p < H * W * 3; p += 3, q += 4) {
    out[q] = img.data[p];
    out[q + 1] = img.data[p + 1];
    out[q + 2] = img.data[p + 2];
    out[q + 3] = 255;
  }
  return out;
}

/** Labels of the answer rows, latent columns and image patches of one example. */
export function axisLabels(ex: { tokens: string[]; answerRows: number[]; latentCols: number[] }): { answer: string[]; latent: string[] } {
  return {
    answer: ex.answerRows.map((r) => ex.tokens[r]),
    latent: ex.latentCols.map((c, k) => (ex.tokens[c] && ex.tokens[c] !== '<lat>' ? ex.tokens[c] : `z${k}`)),
  };
}
