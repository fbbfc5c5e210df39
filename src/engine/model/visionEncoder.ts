// Vision encoder: patches → [conv stem 3×3, 3 → C, GELU] → Linear(p·p·C → d_v) + learned
// positions (P × d_v) → n_v pre-LN bidirectional blocks → final LayerNorm. Without the stem
// (C = 0) the patch embedding reads the p·p·3 pixels directly.
import { tf } from '../backend';
import { block, createBlock, type BlockInit, type BlockParams } from './block';
import { convStem, createConvStem, type ConvStemParams } from './convStem';
import { layerNorm } from './layerNorm';
import { linear } from './linear';
import { createLayerNorm, createLinear, type LayerNormParams, type LinearParams, type ParamStore } from './params';

export interface VisionEncoderParams {
  stem: ConvStemParams | null;  // vision.stem.*    [27, C], [C]
  patchEmbed: LinearParams;  // vision.patch_embed  [p·p·C, d_v] (C = 3 without the stem)
  posEmbed: tf.Variable;     // vision.pos_embed    [P, d_v]
  blocks: BlockParams[];     // vision.blocks.i.*
  lnF: LayerNormParams;      // vision.ln_f
  heads: number;
  pixelNorm: 'none' | 'center';
}

export interface VisionEncoderShape {
  patchDim: number;  // p·p·3
  patchSize: number; // p
  stemChannels: number;  // C; 0 = no stem
  init: BlockInit;       // the blocks' weight init
  patches: number;   // P
  d: number;         // d_v
  layers: number;    // n_v
  heads: number;
  mlpRatio: number;
  pixelNorm: 'none' | 'center';  // center: (x − 0.5) / 0.25 before the patch embedding
  patchInitStd: number;          // init std of vision.patch_embed.weight
  posInitStd: number;            // init std of vision.pos_embed
}

export function createVisionEncoder(store: ParamStore, s: VisionEncoderShape): VisionEncoderParams {
  const blocks: BlockParams[] = [];
  for (let i = 0; i < s.layers; i++) blocks.push(createBlock(store, `vision.blocks.${i}`, s.d, s.mlpRatio, s.layers, s.init));
  return {
    stem: s.stemChannels > 0 ? createConvStem(store, s.stemChannels, s.patchSize) : null,
    patchEmbed: createLinear(store, 'vision.patch_embed', s.stemChannels > 0 ? s.patchSize * s.patchSize * s.stemChannels : s.patchDim, s.d, s.patchInitStd),
    posEmbed: store.create('vision.pos_embed', [s.patches, s.d], { kind: 'normal', std: s.posInitStd }),
    blocks,
    lnF: createLayerNorm(store, 'vision.ln_f', s.d),
    heads: s.heads,
    pixelNorm: s.pixelNorm,
  };
}

/** patches [B, P, p·p·3] → features [B, P, d_v]. */
export function visionEncoder(patches: tf.Tensor, p: VisionEncoderParams): tf.Tensor {
  // Centred pixels keep the patch embedding's input zero-mean; raw [0, 1] pixels
  // put a large common offset into every image token.
  const pixels = p.pixelNorm === 'center' ? tf.mul(tf.sub(patches, 0.5), 4) : patches; // [B, P, p·p·3]
  const features = p.stem ? convStem(pixels, p.stem) : pixels; // [B, P, p·p·C]
  let x = tf.add(linear(features, p.patchEmbed), p.posEmbed); // [B, P, d_v]
  for (const b of p.blocks) x = block(x, b, p.heads, null).x; // bidirectional: no mask
  return layerNorm(x, p.lnF);
}
