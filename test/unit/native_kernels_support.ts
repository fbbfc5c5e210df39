// Shared by the native*.test.ts files: wasm backend set-up, the "addon
// missing" policy (fail in CI, skip loudly elsewhere) and array comparison.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { loadNativeAddon } from '../../src/engine/kernels/native_addon';

export async function useWasm(): Promise<void> {
  if (tf.getBackend() !== 'wasm') {
    if (!(await tf.setBackend('wasm'))) throw new Error('tfjs wasm backend failed to initialise');
  }
  await tf.ready();
}

/** Call first in a before()/it(): in CI a missing addon is a failure, locally a visible skip. */
export function requireAddon(ctx: Mocha.Context): void {
  const { addon, reason } = loadNativeAddon();
  if (addon) return;
  const msg = `latent-lab-native addon unavailable (${reason}); native kernel tests NOT run`;
  if (process.env.CI === 'true') throw new Error(`${msg}. CI=true requires the addon: build it with (cd native && node build.js)`);
  console.log(`      !! ${msg}`);
  ctx.skip();
}

export interface Diff { maxAbs: number; maxRel: number; where: number }

/** Compares two arrays; NaN must match NaN and infinities must match exactly. */
export function compare(expected: ArrayLike<number>, actual: ArrayLike<number>): Diff {
  if (expected.length !== actual.length) throw new Error(`length ${actual.length} != expected ${expected.length}`);
  let maxAbs = 0, maxRel = 0, where = -1;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i], a = actual[i];
    if (Number.isNaN(e) || Number.isNaN(a) || !Number.isFinite(e) || !Number.isFinite(a)) {
      if (!Object.is(e, a) && !(Number.isNaN(e) && Number.isNaN(a))) return { maxAbs: Infinity, maxRel: Infinity, where: i };
      continue;
    }
    const d = Math.abs(e - a);
    if (d > maxAbs) { maxAbs = d; where = i; }
    maxRel = Math.max(maxRel, d / Math.max(Math.abs(e), 1e-30));
  }
  return { maxAbs, maxRel, where };
}

export function assertClose(name: string, expected: ArrayLike<number>, actual: ArrayLike<number>, absTol: number, scale = 1): void {
  const d = compare(expected, actual);
  if (!(d.maxAbs <= absTol * scale)) {
    throw new Error(`${name}: max |diff| ${d.maxAbs.toExponential(2)} > ${(absTol * scale).toExponential(2)} at ${d.where} (expected ${expected[d.where]}, got ${actual[d.where]})`);
  }
}

export function maxAbsOf(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i])) m = Math.max(m, Math.abs(a[i]));
  return m;
}
