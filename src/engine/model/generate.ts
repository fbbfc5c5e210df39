// Greedy decoding: the model's logits (and last hidden state) at each row's
// newest position, one call per generated token or latent block.
//
// Two ways, the same numbers (test/unit/generate.test.ts):
//   - full: one forward pass over the whole fixed-length sequence every call
//     (positions after the cursor are padding, hidden by the causal mask);
//   - cached (speedups.kvCache): keys and values of every position already run are
//     kept per layer [B, T, d]; a call runs only the positions written since the
//     last one (the image prefix once, at the first call), rows in a chunk
//     [B, L, d], L = the most any row wrote. Earlier positions never attend to later
//     ones, so their keys and values do not change as the sequence grows.
// The chunk is embedded by decoder.ts's own embed, given the chunk's tokens,
// segments and true positions, and the mask rows are masks.ts's causalMask rows,
// so the layout rules stay in one place. (A latent block is always written within
// one call, so embed numbers its latents as in the full sequence; with hidden_state
// feedback the fed-back states replace latent_embed anyway.)
import { tf } from '../backend';
import { block, type BlockLora, type BlockParams } from './block';
import { embed, tokenTable, type DecoderParams } from './decoder';
import { layerNorm } from './layerNorm';
import { matMul2dTransposeB } from './linear';
import { feedbackState } from './continuousFeedback';
import { causalMask } from './masks';
import { SEGMENT } from './segments';
import { SPECIAL, toBatchTensors, type EncodedBatch } from './sequence';
import { speedups } from './speedups';
import { readAndDispose } from '../readback';
import type { TinyVlm } from './tinyVlm';

export interface Readout {
  logits: Float32Array;          // [B·V] at each live row's position cursor − 1
  hidden: Float32Array | null;   // [B·d] last block's output there (continuous feedback), when asked for
}

export interface Decoding {
  /** Runs what rows wrote up to cursor[b] (ids, segs, latentInput [B·T·d] as now) and reads position cursor[b] − 1 (awaited: readback.ts). */
  read(ids: Int32Array, segs: Int32Array, cursor: number[], done: boolean[], latentInput: Float32Array | null): Promise<Readout>;
  dispose(): void;
}

/** Starts decoding `enc` (its patches and sizes; tokens come with each read). */
export function startDecoding(model: TinyVlm, enc: EncodedBatch, wantHidden: boolean): Decoding {
  return speedups.kvCache ? cachedDecoding(model, enc, wantHidden) : fullDecoding(model, enc, wantHidden);
}

/** Row r of [B, T, ·]: picks each row's position cursor − 1 (zero for done rows). */
function readRows(B: number, T: number, cursor: number[], done: boolean[]): Float32Array {
  const read = new Float32Array(B * T);                  // [B, T]
  for (let b = 0; b < B; b++) if (!done[b]) read[b * T + cursor[b] - 1] = 1;
  return read;
}

function fullDecoding(model: TinyVlm, enc: EncodedBatch, wantHidden: boolean): Decoding {
  const { B, T } = enc;
  const d = model.shape.d;
  return {
    async read(ids, segs, cursor, done, latentInput) {
      const picked = tf.tidy(() => {
        const batch = toBatchTensors({ ...enc, tokenIds: ids, segments: segs }, causalMask(segs, B, T));
        if (latentInput) batch.latentInput = tf.tensor3d(latentInput, [B, T, d]);
        const out = model.forward(batch, { returnHidden: wantHidden });
        const r = tf.tensor3d(readRows(B, T, cursor, done), [B, T, 1]);
        const pick = (x: tf.Tensor) => tf.sum(tf.mul(x, r), 1);   // [B, ·]
        return wantHidden ? [pick(out.logits), pick(feedbackState(out))] : [pick(out.logits)];
      });
      const [logits, hidden] = (await readAndDispose(picked)) as Float32Array[];
      return { logits, hidden: hidden ?? null };
    },
    dispose() { /* nothing kept */ },
  };
}

interface Chunk {
  L: number;
  ids: Int32Array;       // [B·L] token ids of positions from_b + j (pad past len_b)
  segs: Int32Array;      // [B·L]
  positions: Int32Array; // [B·L] true positions
  place: tf.Tensor3D;    // [B, T, L]: the transpose, only for rows that exist (len_b > j)
  keep: tf.Tensor3D;     // [B, T, 1]: 0 at positions this chunk writes
  mask: tf.Tensor4D;     // [B, 1, L, T]: causalMask rows of the chunk's positions
  last: tf.Tensor3D;     // [B, 1, L]: each live row's chunk row at cursor − 1
}

/** Host-built chunk of positions [from_b, to_b) of each row; rows past len_b are padding, never written back. */
function chunkOf(ids: Int32Array, segs: Int32Array, B: number, T: number, from: number[], to: number[]): Chunk {
  const L = Math.max(1, ...to.map((t, b) => t - from[b]));
  const full = causalMask(segs, B, T);                                    // [B·T·T]
  const c = { ids: new Int32Array(B * L).fill(SPECIAL.pad), segs: new Int32Array(B * L).fill(SEGMENT.pad), positions: new Int32Array(B * L) };
  const place = new Float32Array(B * T * L), keep = new Float32Array(B * T).fill(1);
  const mask = new Float32Array(B * L * T), last = new Float32Array(B * L);
  for (let b = 0; b < B; b++) {
    const len = to[b] - from[b];
    for (let j = 0; j < L; j++) {
      const t = Math.min(from[b] + j, T - 1);
      const i = b * L + j;
      c.positions[i] = t;
      mask.set(full.subarray((b * T + t) * T, (b * T + t + 1) * T), i * T);
      if (j >= len) continue;
      c.ids[i] = ids[b * T + t];
      c.segs[i] = segs[b * T + t];
      place[(b * T + t) * L + j] = 1;
      keep[b * T + t] = 0;
    }
    if (len > 0) last[b * L + len - 1] = 1;
  }
  return {
    L, ...c, place: tf.tensor3d(place, [B, T, L]), keep: tf.tensor3d(keep, [B, T, 1]),
    mask: tf.tensor4d(mask, [B, 1, L, T]), last: tf.tensor3d(last, [B, 1, L]),
  };
}

/** latentInput [B·T·d] → the chunk's rows [B, L, d] (zero past len_b). */
function chunkRows(latentInput: Float32Array, c: Chunk, B: number, T: number, d: number): tf.Tensor3D {
  const out = new Float32Array(B * c.L * d);
  for (let i = 0; i < B * c.L; i++) {
    if (c.segs[i] === SEGMENT.pad) continue;
    const b = Math.floor(i / c.L);
    out.set(latentInput.subarray((b * T + c.positions[i]) * d, (b * T + c.positions[i] + 1) * d), i * d);
  }
  return tf.tensor3d(out, [B, c.L, d]);
}

/** The block's own code on chunk rows x [B, L, d], its keys and values written into the layer's cache k, v [B, T, d] and attended over. */
function cachedBlock(x: tf.Tensor, p: BlockParams, heads: number, c: Chunk, cache: { k: tf.Tensor; v: tf.Tensor }, lora: BlockLora = {}): tf.Tensor {
  const write = (old: tf.Tensor, fresh: tf.Tensor) => tf.add(tf.mul(old, c.keep), tf.matMul(c.place, fresh)); // [B, T, d]
  return block(x, p, heads, c.mask, lora, (k, v) => {
    cache.k = write(cache.k, k);
    cache.v = write(cache.v, v);
    return cache;
  }).x;
}

function cachedDecoding(model: TinyVlm, enc: EncodedBatch, wantHidden: boolean): Decoding {
  const { B, T } = enc;
  const { d, heads } = model.shape;
  const { params, lora } = model.decoderParts as { params: DecoderParams; lora?: BlockLora[] };
  const imageTokens = tf.tidy(() => tf.keep(model.imageTokens(tf.tensor3d(enc.patches, [B, enc.P, enc.patchDim])))); // [B, P, d], once
  let caches = params.blocks.map(() => tf.tidy(() => ({ k: tf.keep(tf.zeros([B, T, d])), v: tf.keep(tf.zeros([B, T, d])) })));
  const ran = new Array<number>(B).fill(0);             // positions [0, ran_b) are in the cache
  return {
    async read(ids, segs, cursor, done, latentInput) {
      const to = cursor.map((c, b) => (done[b] ? ran[b] : c));
      const next = tf.tidy(() => {
        const c = chunkOf(ids, segs, B, T, ran, to);
        const table = tokenTable(params);                               // [V, d]: the input rows and the tied head
        let x = embed(params, {
          tokenIds: c.ids, imageTokens, segments: c.segs, positions: c.positions, B, T: c.L,
          latentInput: latentInput ? chunkRows(latentInput, c, B, T, d) : undefined,
        }, table);                                                      // [B, L, d]
        const layers = params.blocks.map((bp, l) => {
          const cache = { ...caches[l] };
          x = cachedBlock(x, bp, heads, c, cache, lora?.[l]);
          return cache;
        });
        const hid = tf.reshape(tf.matMul(c.last, x), [B, d]);          // [B, d] at cursor − 1
        const logits = matMul2dTransposeB(layerNorm(hid, params.lnF) as tf.Tensor2D, table); // [B, V], the tied head with token_rows
        return { read: wantHidden ? [logits, hid] : [logits], layers: layers.map((k) => ({ k: tf.keep(k.k), v: tf.keep(k.v) })) };
      });
      for (const old of caches) { old.k.dispose(); old.v.dispose(); }
      caches = next.layers;
      to.forEach((t, b) => { ran[b] = t; });
      const [logits, hidden] = (await readAndDispose(next.read)) as Float32Array[];
      return { logits, hidden: hidden ?? null };
    },
    dispose() {
      imageTokens.dispose();
      for (const c of caches) { c.k.dispose(); c.v.dispose(); }
    },
  };
}
