// Normalisation of attention maps before colouring, and their differences.
// Pure math on row-major [R, C] Float32Arrays; shared across all layers of a view
// so that colours are comparable between the small multiples.
//
//   raw     the attention probability itself, colour domain [0, 1]
//   row     each answer row divided by its maximum over the latents: which latent
//           a token prefers, whatever the total mass it gives the latents
//   global  divided by the largest value in every layer and both paths: the full
//           colour range, maps still comparable with each other

export type Normalisation = 'raw' | 'row' | 'global';
export const NORMALISATIONS: Normalisation[] = ['raw', 'row', 'global'];

export interface Scaled {
  maps: Float32Array[];       // per input map, values in [0, 1] (NaN stays NaN)
  domain: [number, number];   // the values that 0 and 1 stand for (legend labels)
  unit: string;               // what the legend's numbers are
}

export function maxOf(map: Float32Array): number {
  let m = -Infinity;
  for (let j = 0; j < map.length; j++) if (map[j] > m) m = map[j];
  return m;
}

/** Scales every map of a view (all layers, all paths) the same way. */
export function scaleMaps(maps: Float32Array[], cols: number, mode: Normalisation): Scaled {
  if (mode === 'raw') return { maps: maps.map((m) => scaled(m, 1, 0, 1)), domain: [0, 1], unit: 'attention' };
  if (mode === 'global') {
    const g = Math.max(0, ...maps.map(maxOf));
    return { maps: maps.map((m) => scaled(m, g > 0 ? 1 / g : 0, -Infinity, Infinity)), domain: [0, g], unit: 'attention' };
  }
  return { maps: maps.map((m) => rowNormalised(m, cols)), domain: [0, 1], unit: 'fraction of row max' };
}

/** m * k clamped to [lo, hi] (NaN stays NaN), in a plain loop: this runs for every layer on every change. */
function scaled(m: Float32Array, k: number, lo: number, hi: number): Float32Array {
  const out = new Float32Array(m.length);
  for (let j = 0; j < m.length; j++) {
    const v = m[j] * k;
    out[j] = v < lo ? lo : v > hi ? hi : v;
  }
  return out;
}

export function rowNormalised(map: Float32Array, cols: number): Float32Array {
  const out = new Float32Array(map.length);
  for (let start = 0; start < map.length; start += cols) {
    let m = 0;
    for (let c = 0; c < cols; c++) if (map[start + c] > m) m = map[start + c];
    const inv = m > 0 ? 1 / m : 0;
    for (let c = 0; c < cols; c++) out[start + c] = map[start + c] * inv;
  }
  return out;
}

/** a - b elementwise for each pair, and the largest |a - b| over all of them (the diverging scale's half-range). */
export function differences(a: Float32Array[], b: Float32Array[]): { maps: Float32Array[]; maxAbs: number } {
  let maxAbs = 0;
  const maps = a.map((m, l) => {
    const d = new Float32Array(m.length);
    const o = b[l];
    for (let j = 0; j < m.length; j++) {
      d[j] = m[j] - o[j];
      const x = Math.abs(d[j]);
      if (x > maxAbs) maxAbs = x;
    }
    return d;
  });
  return { maps, maxAbs };
}
