// CrystaL's Stochastic Image Corruption (SIC): the corrupted path sees a degraded copy of the
// image. Every mode is deterministic given the rng, returns a new array (the input is never
// modified), and at intensity 0 returns an exact copy.
//
//   blur     gaussian blur, sigma = intensity · image_size / 10
//   mask     round(intensity · P) of the model's P patches set to MASK_VALUE
//   jigsaw   2×2 tiles (4×4 above intensity 0.5); round(intensity · tiles) tiles permuted, none in place
//   color    hue rotation up to ±180°·intensity, saturation and brightness scaled by up to ±60%·intensity
//   noise    additive gaussian noise, std = 0.3 · intensity, clipped to [0, 1]
//   impulse  salt & pepper: a fraction 0.5 · intensity of pixels set to black or white

import { CorruptionMode, CrystalConfig } from '../../core/experiment';
import { Rng } from './rng';

export const CORRUPTION_MODES: readonly CorruptionMode[] = ['blur', 'mask', 'jigsaw', 'color', 'noise', 'impulse'];
/** Masked patches are mid-grey: unlike the dark background and every palette colour. */
export const MASK_VALUE = 0.5;

export interface CorruptionSample { mode: CorruptionMode; intensity: number }

/** Picks a mode (the only one, or uniformly from the list) and an intensity in the configured range. */
export function sampleCorruption(cfg: CrystalConfig['corruption'], rng: Rng): CorruptionSample {
  if (cfg.modes.length === 0) throw new Error('method.crystal.corruption.modes: list at least one corruption mode');
  const [lo, hi] = cfg.intensity;
  if (!(lo >= 0 && hi <= 1 && lo <= hi)) {
    throw new Error(`method.crystal.corruption.intensity: expected [low, high] with 0 ≤ low ≤ high ≤ 1, got [${lo}, ${hi}]`);
  }
  const mode = cfg.modes.length === 1 ? cfg.modes[0] : rng.pick(cfg.modes);
  return { mode, intensity: lo + (hi - lo) * rng.next() };
}

/** A corrupted copy of `image` ([size, size, 3] in [0, 1]). `patchSize` is the model's p (mask mode). */
export function corruptImage(image: Float32Array, size: number, mode: CorruptionMode, intensity: number, rng: Rng, patchSize = 4): Float32Array {
  if (image.length !== size * size * 3) throw new Error(`corruptImage: image has ${image.length} values, expected ${size}×${size}×3`);
  const t = Math.min(1, Math.max(0, intensity));
  if (t === 0) return image.slice();
  switch (mode) {
    case 'blur': return gaussianBlur(image, size, (t * size) / 10);
    case 'mask': return maskPatches(image, size, t, patchSize, rng);
    case 'jigsaw': return shuffleTiles(image, size, t, rng);
    case 'color': return distortColour(image, t, rng);
    case 'noise': return gaussianNoise(image, 0.3 * t, rng);
    case 'impulse': return impulseNoise(image, size, 0.5 * t, rng);
    default: throw new Error(`corruptImage: unknown mode ${JSON.stringify(mode)}; use one of ${CORRUPTION_MODES.join(', ')}`);
  }
}

/** Separable gaussian, edges clamped. */
export function gaussianBlur(image: Float32Array, size: number, sigma: number): Float32Array {
  if (sigma < 1e-3) return image.slice();
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const kernel = new Float32Array(2 * radius + 1);
  let sum = 0;
  for (let k = -radius; k <= radius; k++) sum += kernel[k + radius] = Math.exp(-(k * k) / (2 * sigma * sigma));
  for (let k = 0; k < kernel.length; k++) kernel[k] /= sum;
  const clamp = (v: number): number => (v < 0 ? 0 : v >= size ? size - 1 : v);
  const pass = (src: Float32Array, horizontal: boolean): Float32Array => {
    const dst = new Float32Array(src.length);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        for (let c = 0; c < 3; c++) {
          let v = 0;
          for (let k = -radius; k <= radius; k++) {
            const sx = horizontal ? clamp(x + k) : x, sy = horizontal ? y : clamp(y + k);
            v += src[(sy * size + sx) * 3 + c] * kernel[k + radius];
          }
          dst[(y * size + x) * 3 + c] = v;
        }
      }
    }
    return dst;
  };
  return pass(pass(image, true), false);
}

function maskPatches(image: Float32Array, size: number, fraction: number, patchSize: number, rng: Rng): Float32Array {
  if (!(patchSize >= 1) || size % patchSize !== 0) throw new Error(`corruptImage: patch size ${patchSize} does not divide image size ${size}`);
  const grid = size / patchSize;
  const out = image.slice();
  const masked = rng.sample([...Array(grid * grid).keys()], Math.round(fraction * grid * grid));
  for (const p of masked) {
    const px = (p % grid) * patchSize, py = Math.floor(p / grid) * patchSize;
    for (let y = py; y < py + patchSize; y++) out.fill(MASK_VALUE, (y * size + px) * 3, (y * size + px + patchSize) * 3);
  }
  return out;
}

function shuffleTiles(image: Float32Array, size: number, intensity: number, rng: Rng): Float32Array {
  const grid = intensity > 0.5 && size >= 8 ? 4 : 2;
  const tile = Math.floor(size / grid);   // leftover rows/columns (size not divisible) stay in place
  const tiles = grid * grid;
  const moved = Math.max(2, Math.round(intensity * tiles));
  // A cyclic shift of a random subset: every chosen tile leaves its place.
  const chosen = rng.sample([...Array(tiles).keys()], moved);
  const source = [...Array(tiles).keys()];
  chosen.forEach((dst, i) => { source[dst] = chosen[(i + 1) % moved]; });
  const out = image.slice();
  for (let dst = 0; dst < tiles; dst++) {
    const src = source[dst];
    if (src === dst) continue;
    const sx = (src % grid) * tile, sy = Math.floor(src / grid) * tile;
    const dx = (dst % grid) * tile, dy = Math.floor(dst / grid) * tile;
    for (let y = 0; y < tile; y++) {
      const from = ((sy + y) * size + sx) * 3;
      out.set(image.subarray(from, from + tile * 3), ((dy + y) * size + dx) * 3);
    }
  }
  return out;
}

function distortColour(image: Float32Array, intensity: number, rng: Rng): Float32Array {
  const hueShift = rng.uniform(-0.5, 0.5) * intensity;          // in turns
  const satScale = 1 + rng.uniform(-0.6, 0.6) * intensity;
  const valScale = 1 + rng.uniform(-0.6, 0.6) * intensity;
  const out = new Float32Array(image.length);
  for (let i = 0; i < image.length; i += 3) {
    const r = image[i], g = image[i + 1], b = image[i + 2];
    // RGB → HSV
    const max = Math.max(r, g, b), min = Math.min(r, g, b), d = max - min;
    let h = 0;
    if (d > 0) h = max === r ? ((g - b) / d + 6) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
    h = (((h / 6 + hueShift) % 1) + 1) % 1;
    const s = Math.min(1, (max > 0 ? d / max : 0) * satScale);
    const v = Math.min(1, max * valScale);
    // HSV → RGB
    const k = (n: number): number => (n + h * 6) % 6;
    const f = (n: number): number => v - v * s * Math.max(0, Math.min(k(n), 4 - k(n), 1));
    out[i] = f(5); out[i + 1] = f(3); out[i + 2] = f(1);
  }
  return out;
}

function gaussianNoise(image: Float32Array, std: number, rng: Rng): Float32Array {
  const out = new Float32Array(image.length);
  for (let i = 0; i < image.length; i++) out[i] = Math.min(1, Math.max(0, image[i] + std * rng.normal()));
  return out;
}

function impulseNoise(image: Float32Array, size: number, fraction: number, rng: Rng): Float32Array {
  const out = image.slice();
  for (let p = 0; p < size * size; p++) {
    if (rng.next() < fraction) out.fill(rng.next() < 0.5 ? 0 : 1, p * 3, p * 3 + 3);
  }
  return out;
}
