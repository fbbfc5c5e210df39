// Fixed REPA target encoders: no weights, computed on the host from the image,
// each seeing the image differently.
//
//   color_stats       per patch: mean and std of R, G, B; mean saturation, mean value
//                     (HSV); saturation-weighted mean of (cos hue, sin hue). 10 numbers.
//                     Invariant to where pixels sit inside the patch.
//   edge_orientation  per patch: histogram of gradient orientations of the grey image
//                     (mean of R, G, B), 8 bins over [0, π), each gradient weighted by its
//                     magnitude, plus a constant 0.01 so a flat patch still has a direction
//                     for the cosine. Gradients are central differences inside the patch
//                     (one-sided at its border), so a patch's features depend on it alone.
//                     Invariant to colour changes that keep the grey level.
//
// Patches are in raster order, as sequence.ts's patchify: n = py·(size/p) + px.

export const COLOR_STATS_DIM = 10;
export const EDGE_BINS = 8;
export const EDGE_ORIENTATION_DIM = EDGE_BINS + 1;
const FLAT_PATCH_CONSTANT = 0.01;

/** image [size, size, 3] → features [P, 10]. */
export function colorStats(image: Float32Array, size: number, p: number): Float32Array {
  const g = size / p;
  const out = new Float32Array(g * g * COLOR_STATS_DIM);
  const n = p * p;
  for (let py = 0; py < g; py++) {
    for (let px = 0; px < g; px++) {
      const sum = [0, 0, 0];
      const sq = [0, 0, 0];
      let sat = 0, val = 0, hc = 0, hs = 0;
      for (let dy = 0; dy < p; dy++) {
        for (let dx = 0; dx < p; dx++) {
          const o = ((py * p + dy) * size + px * p + dx) * 3;
          const rgb = [image[o], image[o + 1], image[o + 2]];
          for (let c = 0; c < 3; c++) { sum[c] += rgb[c]; sq[c] += rgb[c] * rgb[c]; }
          const max = Math.max(...rgb);
          const min = Math.min(...rgb);
          const s = max > 0 ? (max - min) / max : 0;
          sat += s;
          val += max;
          const h = hueRadians(rgb[0], rgb[1], rgb[2], max, min);
          hc += s * Math.cos(h);
          hs += s * Math.sin(h);
        }
      }
      const f = out.subarray((py * g + px) * COLOR_STATS_DIM, (py * g + px + 1) * COLOR_STATS_DIM);
      for (let c = 0; c < 3; c++) {
        const mean = sum[c] / n;
        f[c] = mean;
        f[3 + c] = Math.sqrt(Math.max(0, sq[c] / n - mean * mean));
      }
      f[6] = sat / n;
      f[7] = val / n;
      f[8] = hc / n;
      f[9] = hs / n;
    }
  }
  return out;
}

/** HSV hue as an angle in [0, 2π); 0 for grey. */
function hueRadians(r: number, g: number, b: number, max: number, min: number): number {
  const c = max - min;
  if (c <= 0) return 0;
  let h: number;
  if (max === r) h = ((g - b) / c) % 6;
  else if (max === g) h = (b - r) / c + 2;
  else h = (r - g) / c + 4;
  return ((h < 0 ? h + 6 : h) / 6) * 2 * Math.PI;
}

/** image [size, size, 3] → features [P, 9]. */
export function edgeOrientation(image: Float32Array, size: number, p: number): Float32Array {
  const g = size / p;
  const out = new Float32Array(g * g * EDGE_ORIENTATION_DIM);
  const grey = new Float32Array(p * p);
  for (let py = 0; py < g; py++) {
    for (let px = 0; px < g; px++) {
      for (let dy = 0; dy < p; dy++) {
        for (let dx = 0; dx < p; dx++) {
          const o = ((py * p + dy) * size + px * p + dx) * 3;
          grey[dy * p + dx] = (image[o] + image[o + 1] + image[o + 2]) / 3;
        }
      }
      const f = out.subarray((py * g + px) * EDGE_ORIENTATION_DIM, (py * g + px + 1) * EDGE_ORIENTATION_DIM);
      for (let y = 0; y < p; y++) {
        for (let x = 0; x < p; x++) {
          const gx = diff(grey, p, x, y, 1, 0);
          const gy = diff(grey, p, x, y, 0, 1);
          const mag = Math.hypot(gx, gy);
          if (mag === 0) continue;
          let angle = Math.atan2(gy, gx);            // (−π, π]
          if (angle < 0) angle += Math.PI;           // orientation, not direction: [0, π)
          if (angle >= Math.PI) angle -= Math.PI;
          f[Math.min(EDGE_BINS - 1, Math.floor((angle / Math.PI) * EDGE_BINS))] += mag;
        }
      }
      f[EDGE_BINS] = FLAT_PATCH_CONSTANT;
    }
  }
  return out;
}

/** Central difference along (sx, sy) inside a p×p patch, one-sided at its border. */
function diff(grey: Float32Array, p: number, x: number, y: number, sx: number, sy: number): number {
  const x0 = Math.max(0, x - sx), x1 = Math.min(p - 1, x + sx);
  const y0 = Math.max(0, y - sy), y1 = Math.min(p - 1, y + sy);
  const span = sx ? x1 - x0 : y1 - y0;
  if (span === 0) return 0;
  return (grey[y1 * p + x1] - grey[y0 * p + x0]) / span;
}
