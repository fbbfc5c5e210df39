// Decoder: token embedding V×d (tied with the LM head), latent embedding K×d
// (unshared) or 1×d (shared), learned positions, n pre-LN blocks with a
// per-example additive mask, final LayerNorm, logits = x·Eᵀ.
//
// Input at position t (segment ids from sequence.ts):
//   image  (1): the projector's image token for that patch
//   latent (2): latent_embed[k] for the k-th latent of its run (row 0 when shared)
//   else      : token_embed[id]
// plus pos_embed[position].
import { tf } from '../backend';
import { embedRows, embedRowsIsNative, oneHotRows } from '../kernels';
import { block, createBlock, type BlockInit, type BlockLora, type BlockParams } from './block';
import { layerNorm } from './layerNorm';
import { matMul2d, matMul2dTransposeB } from './linear';
import { createLayerNorm, INIT_STD, type LayerNormParams, type ParamStore } from './params';
import { SEGMENT } from './segments';
import { speedups } from './speedups';

export interface DecoderParams {
  tokenEmbed: tf.Variable;          // decoder.token_embed  [V, d]
  // Token rows the base has not trained (LoRA fine-tunes): decoder.token_rows [R, d], zero-init,
  // added to those R rows of token_embed, so they train while token_embed stays frozen.
  tokenRows: { ids: number[]; delta: tf.Variable } | null;
  latentEmbed: tf.Variable | null;  // decoder.latent_embed [K | 1, d]; null when K = 0
  posEmbed: tf.Variable;            // decoder.pos_embed    [maxSeqLen, d]
  blocks: BlockParams[];            // decoder.blocks.i.*
  lnF: LayerNormParams;             // decoder.ln_f
  heads: number;
}

export interface DecoderShape {
  vocab: number; d: number; layers: number; heads: number; mlpRatio: number;
  maxSeqLen: number; latentRows: number; // K (unshared), 1 (shared) or 0 (no latents)
  init?: BlockInit;                      // the blocks' weight init (default gpt2)
  trainableTokenRows?: number[];         // token ids that get a decoder.token_rows delta row
}

export function createDecoder(store: ParamStore, s: DecoderShape): DecoderParams {
  const blocks: BlockParams[] = [];
  for (let i = 0; i < s.layers; i++) blocks.push(createBlock(store, `decoder.blocks.${i}`, s.d, s.mlpRatio, s.layers, s.init));
  return {
    tokenEmbed: store.create('decoder.token_embed', [s.vocab, s.d], { kind: 'normal', std: INIT_STD }),
    tokenRows: s.trainableTokenRows?.length
      ? { ids: s.trainableTokenRows, delta: store.create('decoder.token_rows', [s.trainableTokenRows.length, s.d], { kind: 'zeros' }) }
      : null,
    latentEmbed: s.latentRows > 0 ? store.create('decoder.latent_embed', [s.latentRows, s.d], { kind: 'normal', std: INIT_STD }) : null,
    posEmbed: store.create('decoder.pos_embed', [s.maxSeqLen, s.d], { kind: 'normal', std: INIT_STD }),
    blocks,
    lnF: createLayerNorm(store, 'decoder.ln_f', s.d),
    heads: s.heads,
  };
}

export interface DecoderInputs {
  tokenIds: Int32Array;        // [B·T] host
  imageTokens: tf.Tensor;      // [B, P, d]
  segments: Int32Array;        // [B·T] host
  positions?: Int32Array;      // [B·T] host; default 0..T−1 in every row
  mask: tf.Tensor;             // [B, 1, T, T] additive
  B: number;
  T: number;
  /** Continuous feedback (VaLR hidden_state): input at latent positions, zero elsewhere; replaces latent_embed. */
  latentInput?: tf.Tensor;     // [B, T, d]
}

export interface DecoderOptions {
  captureAttention?: boolean;
  returnHidden?: boolean;
  /** Called after every block with x [B, T, d]; returns the x the next block sees (CrystaL's transplant). */
  afterBlock?: (x: tf.Tensor, layer: number) => tf.Tensor;
  lora?: BlockLora[];          // per block
}

/**
 * Host-side placement, from the segment ids: the token row of each position (−1 at image and
 * latent positions, which take no token embedding), the latent row (−1 elsewhere), image runs.
 */
function placement(tokenIds: Int32Array, segments: Int32Array, B: number, T: number, P: number, latentRows: number) {
  const tokenIdx = new Int32Array(B * T).fill(-1);                  // [B·T]
  const latentIdx = latentRows > 0 ? new Int32Array(B * T).fill(-1) : null; // [B·T]
  const imageStarts: number[][] = []; // per example, the first position of each image run
  for (let b = 0; b < B; b++) {
    const starts: number[] = [];
    let latentIndex = 0;
    for (let t = 0; t < T; t++) {
      const i = b * T + t;
      const s = segments[i];
      const prev = t > 0 ? segments[i - 1] : -1;
      if (s === SEGMENT.image) {
        if (prev !== SEGMENT.image) starts.push(t);
      } else if (s === SEGMENT.latent) {
        latentIndex = prev === SEGMENT.latent ? latentIndex + 1 : 0;
        if (!latentIdx) throw new Error(`decoder: example ${b} has latent positions but the model has latents.count: 0`);
        const row = latentRows === 1 ? 0 : latentIndex;
        if (row >= latentRows) throw new Error(`decoder: example ${b} has a run of more than latents.count = ${latentRows} latent tokens`);
        latentIdx[i] = row;
      } else {
        tokenIdx[i] = tokenIds[i];
      }
    }
    for (const s of starts) {
      for (let t = s; t < s + P; t++) {
        if (segments[b * T + t] !== SEGMENT.image) throw new Error(`decoder: example ${b}: image run at ${s} is shorter than P = ${P}`);
      }
    }
    if (b > 0 && starts.length !== imageStarts[0].length) {
      throw new Error(`decoder: example ${b} has ${starts.length} image runs but example 0 has ${imageStarts[0].length}`);
    }
    imageStarts.push(starts);
  }
  return { tokenIdx, latentIdx, imageStarts };
}

/**
 * Rows of table [V, d] at host indices idx [N] (−1: a zero row) → [N, d]. gatherEmbedding: one
 * native gather (a scatter-add backward); else a one-hot [N, V] times the table, whose −1 rows
 * are zero: the same values either way (a one-hot product copies a row exactly).
 */
function rowsOf(table: tf.Tensor2D, idx: Int32Array): tf.Tensor2D {
  if (speedups.gatherEmbedding && embedRowsIsNative()) return embedRows(table, idx);
  return matMul2d(oneHotRows(idx, table.shape[0]), table);   // [N, V] · [V, d]
}

/** The token table [V, d] the input embedding and the tied head use: token_embed, plus token_rows at its ids. */
export function tokenTable(p: DecoderParams): tf.Tensor2D {
  if (!p.tokenRows) return p.tokenEmbed as tf.Tensor2D;
  const [V] = p.tokenEmbed.shape;
  const R = p.tokenRows.ids.length;
  const scatter = new Float32Array(V * R);                                   // [V, R] one-hot columns
  p.tokenRows.ids.forEach((id, r) => { scatter[id * R + r] = 1; });
  return tf.add(p.tokenEmbed, matMul2d(tf.tensor2d(scatter, [V, R]), p.tokenRows.delta as tf.Tensor2D)) as tf.Tensor2D;
}

/** Input embeddings [B, T, d] (also model/generate.ts's, so cached decoding embeds exactly as the forward pass). */
export function embed(p: DecoderParams, inp: Omit<DecoderInputs, 'mask'>, table: tf.Tensor2D = tokenTable(p)): tf.Tensor {
  const { B, T } = inp;
  const d = p.tokenEmbed.shape[1] as number;
  const P = inp.imageTokens.shape[1] as number;
  const latentRows = p.latentEmbed ? p.latentEmbed.shape[0] as number : 0;
  const place = placement(inp.tokenIds, inp.segments, B, T, P, latentRows);
  let x = tf.reshape(rowsOf(table, place.tokenIdx), [B, T, d]);     // [B, T, d]: token rows, zero elsewhere
  if (inp.latentInput) {
    x = tf.add(x, inp.latentInput); // [B, T, d]: the caller zeroes every non-latent position
  } else if (place.latentIdx && p.latentEmbed) {
    x = tf.add(x, tf.reshape(rowsOf(p.latentEmbed as tf.Tensor2D, place.latentIdx), [B, T, d]));
  }
  const runs = place.imageStarts[0]?.length ?? 0;
  for (let r = 0; r < runs; r++) {
    const starts = place.imageStarts.map((st) => st[r]);
    if (starts.every((s) => s === starts[0])) {
      x = tf.add(x, tf.pad(inp.imageTokens, [[0, 0], [starts[0], T - starts[0] - P], [0, 0]])); // [B, T, d]
    } else { // runs at different positions (e.g. image_twice after prompts of different lengths)
      const rows = starts.map((s, b) => tf.pad(tf.slice(inp.imageTokens, [b, 0, 0], [1, P, d]), [[0, 0], [s, T - s - P], [0, 0]]));
      x = tf.add(x, tf.concat(rows, 0)); // [B, T, d]
    }
  }
  const maxLen = p.posEmbed.shape[0] as number;
  if (T > maxLen) throw new Error(`decoder: sequence length ${T} exceeds maxSeqLen ${maxLen}`);
  if (inp.positions) return tf.add(x, tf.reshape(rowsOf(p.posEmbed as tf.Tensor2D, inp.positions), [B, T, d]));
  return tf.add(x, tf.slice(p.posEmbed, [0, 0], [T, d])); // [T, d] broadcasts over B
}

export interface DecoderOutput {
  logits: tf.Tensor3D;        // [B, T, V]
  attention?: tf.Tensor4D[];  // per layer [B, h, T, T]
  hidden?: tf.Tensor3D[];     // per layer output [B, T, d] (after afterBlock)
}

export function decoder(p: DecoderParams, inp: DecoderInputs, opts: DecoderOptions = {}): DecoderOutput {
  const { B, T } = inp;
  const [V, d] = p.tokenEmbed.shape as [number, number];
  const table = tokenTable(p); // [V, d]
  let x = embed(p, inp, table); // [B, T, d]
  const attention: tf.Tensor4D[] = [];
  const hidden: tf.Tensor3D[] = [];
  p.blocks.forEach((bp, l) => {
    const out = block(x, bp, p.heads, inp.mask, opts.lora?.[l], undefined, opts.captureAttention === true);
    x = opts.afterBlock ? opts.afterBlock(out.x, l) : out.x;
    if (opts.captureAttention) attention.push(out.probs!);
    if (opts.returnHidden) hidden.push(x as tf.Tensor3D);
  });
  const h = tf.reshape(layerNorm(x, p.lnF), [B * T, d]) as tf.Tensor2D;             // [B·T, d]
  const logits = matMul2dTransposeB(h, table);                                      // [B·T, V], tied head: h·Eᵀ
  const result: DecoderOutput = { logits: tf.reshape(logits, [B, T, V]) };
  if (opts.captureAttention) result.attention = attention;
  if (opts.returnHidden) result.hidden = hidden;
  return result;
}
