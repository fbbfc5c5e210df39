// tiny-vlm: vision encoder → projector → decoder (DESIGN.md §2, docs/model.md).
import type { LatentsConfig, ModelConfig } from '../../core/experiment';
import { tf } from '../backend';
import type { BlockLora } from './block';
import { createDecoder, decoder, type DecoderParams } from './decoder';
import { ImageTokenCache } from './imageTokenCache';
import { createDecoderLora, isTrainable, trainableOf } from './lora';
import { ParamStore } from './params';
import { createProjector, projector, type ProjectorParams } from './projector';
import { SEGMENT } from './segments';
import { speedups } from './speedups';
import { createVisionEncoder, visionEncoder, type VisionEncoderParams } from './visionEncoder';

export interface BatchTensors {
  patches: tf.Tensor3D;      // [B, P, p·p·3]
  tokenIds: Int32Array;      // [B·T] host token ids
  segments: Int32Array;      // [B·T] host
  positions?: Int32Array;    // [B·T] host position ids; default 0..T−1 per row
  B: number;
  T: number;
  mask: tf.Tensor4D;         // [B, 1, T, T] additive (0 / −1e9), built outside the tape
  latentInput?: tf.Tensor3D; // [B, T, d] continuous feedback at latent positions (continuousFeedback.ts)
}

export interface ForwardOptions {
  captureAttention?: boolean;
  returnHidden?: boolean;
  returnImageTokens?: boolean;
  /**
   * CrystaL: rows [0, B/2) hold intact images, rows [B/2, B) the same text with
   * corrupted images. After every decoder block the second half's hidden states
   * at latent positions are replaced by the first half's:
   *   x_c ← x_c·(1 − m) + x_i·m,  m = latent indicator [B/2, T, 1].
   * Gradients flow through the copy unless stopGradient.
   */
  pairedLatentTransplant?: { stopGradient: boolean };
}

export interface ForwardResult {
  logits: tf.Tensor3D;        // [B, T, V]
  attention?: tf.Tensor4D[];  // per layer [B, h, T, T]
  hidden?: tf.Tensor3D[];     // per layer output [B, T, d] (after the transplant, if any)
  imageTokens?: tf.Tensor3D;  // [B, P, d] what the decoder's image positions received
}

/** Sizes derived from the config, for callers that build inputs. */
export interface TinyVlmShape {
  imageSize: number; patchSize: number; patches: number; patchDim: number;
  vocab: number; maxSeqLen: number; d: number; dVision: number; layers: number; heads: number;
  latentRows: number;  // K (unshared), 1 (shared), 0 (no latents)
  pixelNorm: 'none' | 'center';
  stemChannels: number;  // C of the conv stem; 0 = none
}

export interface TinyVlm {
  readonly variables: Map<string, tf.Variable>;
  readonly shape: TinyVlmShape;
  trainableVariables(): tf.Variable[];
  forward(batch: BatchTensors, opts?: ForwardOptions): ForwardResult;
  /** patches [B, P, p·p·3] → image tokens [B, P, d] (the decoder's image positions). */
  imageTokens(patches: tf.Tensor3D): tf.Tensor;
  /** The decoder's weights and LoRA adapters, for cached decoding (model/generate.ts). */
  readonly decoderParts: { params: DecoderParams; lora?: BlockLora[] };
  numParameters(): number;
  dispose(): void;
}

/** Identity whose gradient is zero (tfjs has no stopGradient op). */
const stopGradient = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const x = args[0] as tf.Tensor;
  return { value: tf.clone(x), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
}) as (x: tf.Tensor) => tf.Tensor;

/** Latent indicator m [B/2, T, 1] of the intact half; both halves must share their text layout. */
function transplantMask(segments: Int32Array, B: number, T: number): tf.Tensor {
  if (B % 2 !== 0) throw new Error(`pairedLatentTransplant: batch has ${B} rows; it needs intact rows then the same number of corrupted rows`);
  const half = (B / 2) * T;
  const m = new Float32Array(half);
  for (let i = 0; i < half; i++) {
    if (segments[i] !== segments[half + i]) {
      throw new Error(`pairedLatentTransplant: row ${Math.floor(i / T)} and its corrupted twin ${B / 2 + Math.floor(i / T)} differ in layout at position ${i % T}`);
    }
    m[i] = segments[i] === SEGMENT.latent ? 1 : 0;
  }
  return tf.tensor3d(m, [B / 2, T, 1]);
}

/**
 * `trainableTokenRows`: token ids the base has not trained; under LoRA they get a
 * trainable decoder.token_rows delta (decoder.ts). Ignored in full fine-tuning,
 * where token_embed trains as a whole.
 */
export function createTinyVlm(model: ModelConfig, latents: LatentsConfig, vocabSize: number, maxSeqLen: number, seed: number, imageSize: number,
  trainableTokenRows: number[] = []): TinyVlm {
  const p = model.patch_size;
  if (!Number.isInteger(imageSize / p)) throw new Error(`data.image_size ${imageSize} is not a multiple of model.patch_size ${p}: choose sizes so that image_size / patch_size is a whole number`);
  if (model.d_model % model.heads !== 0) throw new Error(`model.d_model ${model.d_model} is not divisible by model.heads ${model.heads}`);
  if (model.d_vision % model.vision_heads !== 0) throw new Error(`model.d_vision ${model.d_vision} is not divisible by model.vision_heads ${model.vision_heads}`);
  const shape: TinyVlmShape = {
    imageSize, patchSize: p, patches: (imageSize / p) ** 2, patchDim: p * p * 3,
    vocab: vocabSize, maxSeqLen, d: model.d_model, dVision: model.d_vision, layers: model.layers, heads: model.heads,
    latentRows: latents.count === 0 ? 0 : latents.embedding === 'shared' ? 1 : latents.count,
    pixelNorm: model.pixel_norm, stemChannels: model.stem_channels,
  };
  const store = new ParamStore(seed);
  const vision: VisionEncoderParams = createVisionEncoder(store, {
    patchDim: shape.patchDim, patchSize: p, stemChannels: model.stem_channels, init: model.init, patches: shape.patches, d: model.d_vision, layers: model.vision_layers, heads: model.vision_heads, mlpRatio: model.mlp_ratio,
    pixelNorm: model.pixel_norm, patchInitStd: model.patch_init_std, posInitStd: model.vision_pos_init_std,
  });
  const proj: ProjectorParams = createProjector(store, model.d_vision, model.d_model, model.init);
  const dec: DecoderParams = createDecoder(store, {
    vocab: vocabSize, d: model.d_model, layers: model.layers, heads: model.heads, mlpRatio: model.mlp_ratio, maxSeqLen, latentRows: shape.latentRows, init: model.init,
    trainableTokenRows: model.finetune.mode === 'lora' ? trainableTokenRows : [],
  });
  const lora: BlockLora[] | undefined = model.finetune.mode === 'lora' ? createDecoderLora(store, dec.blocks, model.finetune.lora) : undefined;
  for (const [name, v] of store.variables) v.trainable = isTrainable(name, model.finetune);
  const imageCache = new ImageTokenCache([...store.variables].filter(([n]) => n.startsWith('vision.') || n.startsWith('projector.')).map(([, v]) => v));

  /** patches [B, P, p·p·3] → image tokens [B, P, d]; once per distinct image while the vision path is frozen. */
  function imageTokensOf(patches: tf.Tensor3D): tf.Tensor {
    const encode = (x: tf.Tensor3D) => projector(visionEncoder(x, vision), proj);
    return speedups.imageTokenCache && imageCache.usable() ? imageCache.imageTokens(patches, encode) : encode(patches);
  }

  function forward(batch: BatchTensors, opts: ForwardOptions = {}): ForwardResult {
    const { B, T } = batch;
    const imageTokens = imageTokensOf(batch.patches); // [B, P, d]
    let afterBlock: ((x: tf.Tensor) => tf.Tensor) | undefined;
    if (opts.pairedLatentTransplant) {
      const m = transplantMask(batch.segments, B, T); // [B/2, T, 1]
      const keep = tf.sub(1, m);
      const stop = opts.pairedLatentTransplant.stopGradient;
      afterBlock = (x) => {
        const d = x.shape[2] as number;
        const xi = tf.slice(x, [0, 0, 0], [B / 2, T, d]);     // intact   [B/2, T, d]
        const xc = tf.slice(x, [B / 2, 0, 0], [B / 2, T, d]); // corrupted [B/2, T, d]
        const src = stop ? stopGradient(xi) : xi;
        return tf.concat([xi, tf.add(tf.mul(xc, keep), tf.mul(src, m))], 0); // [B, T, d]
      };
    }
    const out: ForwardResult = decoder(dec, {
      tokenIds: batch.tokenIds, imageTokens, segments: batch.segments, positions: batch.positions, mask: batch.mask, B, T, latentInput: batch.latentInput,
    }, { captureAttention: opts.captureAttention, returnHidden: opts.returnHidden, afterBlock, lora });
    return opts.returnImageTokens ? { ...out, imageTokens: imageTokens as tf.Tensor3D } : out;
  }

  return {
    variables: store.variables,
    shape,
    trainableVariables: () => trainableOf(store.variables, model.finetune),
    forward,
    imageTokens: imageTokensOf,
    decoderParts: { params: dec, lora },
    numParameters: () => [...store.variables.values()].reduce((s, v) => s + v.size, 0),
    dispose: () => store.dispose(),
  };
}
