// Named weights and their initialisation.
//
// Every weight is a tf.Variable registered under its documented name
// (docs/model.md). Initial values are drawn on the host from a PRNG seeded by
// (model seed, weight name), so the init does not depend on the backend, on
// the order weights are created in, or on which optional weights (LoRA,
// latents) exist: adding an adapter never changes the base weights.
import { tf } from '../backend';

export type Init =
  | { kind: 'normal'; std: number }     // N(0, std²)
  | { kind: 'uniform'; bound: number }  // U(−bound, bound)
  | { kind: 'zeros' }
  | { kind: 'ones' };

export const INIT_STD = 0.02;

/** FNV-1a hash of a string, mixed with the seed: one PRNG stream per weight name. */
function streamSeed(seed: number, name: string): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** mulberry32: small, fast, good enough for weight init; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function initValues(size: number, init: Init, seed: number, name: string): Float32Array {
  const out = new Float32Array(size);
  if (init.kind === 'ones') return out.fill(1);
  if (init.kind === 'zeros') return out;
  const rand = mulberry32(streamSeed(seed, name));
  if (init.kind === 'uniform') {
    for (let i = 0; i < size; i++) out[i] = (2 * rand() - 1) * init.bound;
    return out;
  }
  // Box–Muller, two normals per pair of uniforms.
  for (let i = 0; i < size; i += 2) {
    const u1 = 1 - rand(); // (0, 1]: log is finite
    const u2 = rand();
    const r = Math.sqrt(-2 * Math.log(u1)) * init.std;
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < size) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

/** The registry every module creates its weights through. */
let nextStoreId = 0;

export class ParamStore {
  readonly variables = new Map<string, tf.Variable>();
  // tfjs keeps one global registry of variable names; a per-model prefix lets
  // several models live side by side (the map keys stay the documented names).
  private readonly prefix = `tinyvlm${nextStoreId++}/`;

  constructor(readonly seed: number) {}

  create(name: string, shape: number[], init: Init): tf.Variable {
    if (this.variables.has(name)) throw new Error(`duplicate weight name ${name}`);
    const size = shape.reduce((a, b) => a * b, 1);
    const values = initValues(size, init, this.seed, name);
    // tf.variable copies the tensor's data; the temporary is disposed by tidy.
    const v = tf.tidy(() => tf.variable(tf.tensor(values, shape, 'float32'), true, this.prefix + name));
    this.variables.set(name, v);
    return v;
  }

  get(name: string): tf.Variable {
    const v = this.variables.get(name);
    if (!v) throw new Error(`no weight named ${name}`);
    return v;
  }

  dispose(): void {
    for (const v of this.variables.values()) v.dispose();
    this.variables.clear();
  }
}

export interface LinearParams { weight: tf.Variable; bias: tf.Variable | null }
export interface LayerNormParams { weight: tf.Variable; bias: tf.Variable }

/** weight [din, dout] (x·W convention), bias [dout]. */
export function createLinear(store: ParamStore, name: string, din: number, dout: number, std = INIT_STD, bias = true): LinearParams {
  return {
    weight: store.create(`${name}.weight`, [din, dout], { kind: 'normal', std }),
    bias: bias ? store.create(`${name}.bias`, [dout], { kind: 'zeros' }) : null,
  };
}

export function createLayerNorm(store: ParamStore, name: string, d: number): LayerNormParams {
  return {
    weight: store.create(`${name}.weight`, [d], { kind: 'ones' }),
    bias: store.create(`${name}.bias`, [d], { kind: 'zeros' }),
  };
}
