// REPA target encoders (`method.valr.repa.encoders[]`), one interface for all:
// frozen features [B, P, d_enc] of a batch's images, computed outside the tape.
//
//   own               a frozen copy of this model's vision encoder (its output before
//                     the projector), taken at the start of stage 2 (see snapshotOwn).
//                     The copy lives in model.variables as `repa.own.vision.*` (not
//                     trainable) with the flag `repa.own.taken` [1], so checkpoints
//                     carry it and a resumed stage 2 aligns to the same targets.
//   color_stats       fixed, repa/fixed.ts
//   edge_orientation  fixed, repa/fixed.ts
//   tfjs_model        a tfjs model on disk, repa/tfjsModel.ts
import type { RepaEncoderKind } from '../../core/experiment';
import { tf } from '../backend';
import type { Example } from '../data/example';
import { ParamStore } from '../model/params';
import type { TinyVlm } from '../model/tinyVlm';
import { createVisionEncoder, visionEncoder, type VisionEncoderParams } from '../model/visionEncoder';
import { COLOR_STATS_DIM, colorStats, EDGE_ORIENTATION_DIM, edgeOrientation } from './fixed';
import { loadTfjsEncoder } from './tfjsModel';

export interface RepaEncoder {
  kind: RepaEncoderKind;
  term: string;          // loss term name: repa_<kind>, with _<i> when a kind repeats
  dim: number;           // d_enc
  /** Target features [B, P, d_enc] (the caller disposes them). */
  features(examples: Example[], patches: tf.Tensor3D): tf.Tensor3D;
  dispose(): void;
}

export const OWN_PREFIX = 'repa.own.';
export const OWN_TAKEN = 'repa.own.taken';

export interface EncoderContext {
  model: TinyVlm;
  seed: number;
  visionLayers: number; visionHeads: number; mlpRatio: number;
}

export async function createRepaEncoders(specs: { kind: RepaEncoderKind; path?: string }[], ctx: EncoderContext): Promise<RepaEncoder[]> {
  const counts = new Map<string, number>();
  for (const s of specs) counts.set(s.kind, (counts.get(s.kind) ?? 0) + 1);
  const out: RepaEncoder[] = [];
  for (const [i, s] of specs.entries()) {
    const term = `repa_${s.kind}${(counts.get(s.kind) ?? 0) > 1 ? `_${i}` : ''}`;
    out.push(await createOne(s, term, ctx, i));
  }
  return out;
}

async function createOne(s: { kind: RepaEncoderKind; path?: string }, term: string, ctx: EncoderContext, index: number): Promise<RepaEncoder> {
  const { imageSize, patchSize, patches: P } = ctx.model.shape;
  const host = (dim: number, fn: (img: Float32Array, size: number, p: number) => Float32Array): RepaEncoder => ({
    kind: s.kind, term, dim,
    features: (examples) => {
      const data = new Float32Array(examples.length * P * dim);
      examples.forEach((e, b) => data.set(fn(e.image, imageSize, patchSize), b * P * dim));
      return tf.tensor3d(data, [examples.length, P, dim]);
    },
    dispose: () => undefined,
  });
  if (s.kind === 'color_stats') return host(COLOR_STATS_DIM, colorStats);
  if (s.kind === 'edge_orientation') return host(EDGE_ORIENTATION_DIM, edgeOrientation);
  if (s.kind === 'tfjs_model') {
    if (!s.path) throw new Error(`method.valr.repa.encoders.${index}: kind tfjs_model needs a path (a tfjs model.json or its folder)`);
    const enc = await loadTfjsEncoder(s.path, imageSize, P);
    return {
      kind: s.kind, term, dim: enc.dim,
      features: (examples) => tf.tidy(() => {
        const data = new Float32Array(examples.length * imageSize * imageSize * 3);
        examples.forEach((e, b) => data.set(e.image, b * e.image.length));
        return enc.features(tf.tensor4d(data, [examples.length, imageSize, imageSize, 3]), P);
      }),
      dispose: () => enc.dispose(),
    };
  }
  const own = ownVisionCopy(ctx);
  return {
    kind: s.kind, term, dim: ctx.model.shape.dVision,
    features: (_examples, patches) => tf.tidy(() => visionEncoder(patches, own) as tf.Tensor3D), // [B, P, d_v]
    dispose: () => undefined,   // its variables belong to model.variables
  };
}

/** Registers the frozen copy's variables (once per model) and returns its params. */
function ownVisionCopy(ctx: EncoderContext): VisionEncoderParams {
  const m = ctx.model;
  const store = new ParamStore(ctx.seed);
  const params = createVisionEncoder(store, {
    patchDim: m.shape.patchDim, patchSize: m.shape.patchSize, stemChannels: m.shape.stemChannels, init: 'gpt2', patches: m.shape.patches, d: m.shape.dVision,
    layers: ctx.visionLayers, heads: ctx.visionHeads, mlpRatio: ctx.mlpRatio,
    pixelNorm: m.shape.pixelNorm, patchInitStd: 0.02, posInitStd: 0.02,   // init is overwritten by the copy
  });
  const taken = store.create('taken', [1], { kind: 'zeros' });
  for (const [name, v] of store.variables) {
    v.trainable = false;
    const key = name === 'taken' ? OWN_TAKEN : OWN_PREFIX + name;
    if (m.variables.has(key)) throw new Error(`REPA: weight ${key} already exists; list kind: own once in method.valr.repa.encoders`);
    m.variables.set(key, v);
  }
  void taken;
  return params;
}

/** The flag's dataId when it was last seen set: assign() gives a variable a new dataId, so a load is noticed. */
const takenSeen = new WeakMap<tf.Variable, object>();

/**
 * Copies the live vision encoder into the frozen copy, unless a copy was already taken
 * (e.g. loaded on resume). The flag is read back (awaited, readback.ts) only while its
 * value is not known on the host: once per run, and after a weight load.
 */
export async function snapshotOwn(model: TinyVlm): Promise<boolean> {
  const flag = model.variables.get(OWN_TAKEN);
  if (!flag || takenSeen.get(flag) === flag.dataId) return false;
  if ((await flag.data())[0] === 1) { takenSeen.set(flag, flag.dataId); return false; }
  for (const [key, v] of model.variables) {
    if (!key.startsWith(OWN_PREFIX + 'vision.')) continue;
    const live = model.variables.get(key.slice(OWN_PREFIX.length));
    if (!live) throw new Error(`REPA own encoder: no live weight ${key.slice(OWN_PREFIX.length)} to copy`);
    v.assign(live);
  }
  tf.tidy(() => flag.assign(tf.ones([1])));
  takenSeen.set(flag, flag.dataId);
  return true;
}
