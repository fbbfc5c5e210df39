// Convolutional stem (docs/model.md §1): a 3×3 convolution over the whole image, 3 → C
// channels, GELU, before the patch embedding. A 4-pixel patch seen through one linear map
// cannot tell a small circle from a small square; edge and corner detectors shared across
// the image can (Xiao et al. 2021, "Early convolutions help transformers see better").
//
// Written with reshapes, slices and one matmul so it runs on every backend with gradients
// (tfjs-wasm has no Conv2DBackpropFilter). The input is data, so the im2col needs no gradient.
import { tf } from '../backend';
import { gelu, linear } from './linear';
import { createLinear, type LinearParams, type ParamStore } from './params';

export interface ConvStemParams {
  conv: LinearParams;  // vision.stem.weight [9·3, C] (tap (ky·3 + kx)·3 + c), vision.stem.bias [C]
  channels: number;    // C
  patchSize: number;   // p
}

export function createConvStem(store: ParamStore, channels: number, patchSize: number): ConvStemParams {
  // He init for the GELU that follows: std √(2 / fan_in), fan_in = 27.
  return { conv: createLinear(store, 'vision.stem', 27, channels, Math.sqrt(2 / 27)), channels, patchSize };
}

/** patches [B, P, p·p·c] (raster order, sequence.ts's patchify) → image [B, H, W, c]. */
export function patchesToImage(x: tf.Tensor, p: number, c: number): tf.Tensor4D {
  const [B, P] = x.shape as number[];
  const g = Math.round(Math.sqrt(P));
  const rows = tf.reshape(x, [B * g, g, p, p * c]);                               // [B·g, px, dy, dx·c]
  return tf.reshape(tf.transpose(rows, [0, 2, 1, 3]), [B, g * p, g * p, c]) as tf.Tensor4D; // [B, H, W, c]
}

/** image [B, H, W, c] → patches [B, P, p·p·c] (the inverse of patchesToImage). */
export function imageToPatches(x: tf.Tensor, p: number): tf.Tensor3D {
  const [B, H, W, c] = x.shape as number[];
  const g = H / p;
  const rows = tf.reshape(x, [B * g, p, W / p, p * c]);                             // [B·g, dy, px, dx·c]
  return tf.reshape(tf.transpose(rows, [0, 2, 1, 3]), [B, g * (W / p), p * p * c]) as tf.Tensor3D;
}

/** image [B, H, W, 3] → its 3×3 neighbourhoods [B, H·W, 27], zero outside the image. */
function im2col3x3(image: tf.Tensor4D): tf.Tensor3D {
  const [B, H, W, c] = image.shape;
  const padded = tf.pad(image, [[0, 0], [1, 1], [1, 1], [0, 0]]);                  // [B, H+2, W+2, c]
  const taps: tf.Tensor[] = [];
  for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) taps.push(tf.slice(padded, [0, ky, kx, 0], [B, H, W, c]));
  return tf.reshape(tf.concat(taps, 3), [B, H * W, 9 * c]) as tf.Tensor3D;         // [B, H·W, 27]
}

/** centred pixels as patches [B, P, p·p·3] → stem features as patches [B, P, p·p·C]. */
export function convStem(pixels: tf.Tensor, s: ConvStemParams): tf.Tensor3D {
  const image = patchesToImage(pixels, s.patchSize, 3);                             // [B, H, W, 3]
  const [B, H, W] = image.shape;
  const cols = im2col3x3(image);                                                    // [B, H·W, 27]
  const features = gelu(linear(cols, s.conv));                                      // [B, H·W, C]
  return imageToPatches(tf.reshape(features, [B, H, W, s.channels]), s.patchSize); // [B, P, p·p·C]
}
