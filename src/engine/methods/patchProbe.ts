// SFT's patch probe (method.sft.patch_probe): an auxiliary loss that keeps each image token
// about its own patch. Linear heads read every image token the decoder receives and
// predict the colour and the shape of the object covering that patch (or background), and
// the patch's own row and column:
//
//   L_patch = mean over the B·P patches of CE(colour) + CE(shape) + CE(row) + CE(column)
//             + count_weight · CE(count)
//
// The count head (count_weight > 0) predicts, at each object patch, how many objects of that
// patch's colour and shape the image holds (background: class 0). It asks every object token to
// know how many look like it, a question-independent fact that the grounding head then only
// has to fetch from one target: "how many red squares?" read as "how many are like the red
// square?" (docs/pretraining.md, counting).
//
// Why: the vision probe trains the encoder through the mean image token, and the 2-layer
// encoder's self-attention then spreads an object's features over every patch (measured: a
// base answering colour at 99.5% put 0.13 of its answer row's attention on the object and
// 0.72 on background). A question that names one object among several has nothing local
// to match; this probe gives it something (docs/pretraining.md).
//
// Labels come from the synthetic canvas (Example.shapeMap and the exact palette colours);
// a patch is an object's when at least a quarter of its pixels are that object's.
// Heads live beside the model's weights as sft.patch_probe.{colour,shape,row,column}.{weight,bias};
// shipping and export leave them out (withoutProbeHeads).
import { tf } from '../backend';
import { OBJECT_COLOURS, objectColourIndex, SHAPES } from '../data/canvas';
import type { Example } from '../data/example';
import { ParamStore } from '../model/params';
import type { TinyVlm } from '../model/tinyVlm';
import { addProbeHeads, PATCH_PROBE_PREFIX } from './probeHeads';

const COLOUR_CLASSES = OBJECT_COLOURS.length + 1;   // + background (last)
const SHAPE_CLASSES = SHAPES.length + 1;
/** Count classes: 0 = background (or a patch whose kind is not an object's), 1..8, and 9 for 9 or more. */
export const KIND_COUNT_CLASSES = 10;

export interface PatchLabels {
  colour: tf.Tensor2D; shape: tf.Tensor2D; row: tf.Tensor2D; col: tf.Tensor2D;
  kindCount?: tf.Tensor2D;   // [B·P, KIND_COUNT_CLASSES], only with the count head on
  weights: tf.Tensor2D; count: number; dispose(): void;
}

/** [P, g] one-hots of each patch's row and column (raster order): the same for every example. */
function gridOneHots(g: number): { row: Float32Array; col: Float32Array } {
  const row = new Float32Array(g * g * g), col = new Float32Array(g * g * g);
  for (let n = 0; n < g * g; n++) { row[n * g + Math.floor(n / g)] = 1; col[n * g + (n % g)] = 1; }
  return { row, col };
}

export interface PatchProbe {
  /** One-hot colour [B·P, C+1], shape [B·P, S+1], row and column [B·P, g] (and kind count) labels; weights [B·P, 1] are 0 for examples without a shape map. */
  labels(examples: Example[]): PatchLabels | undefined;
  /** imageTokens [B, P, d] → mean over the labelled patches of the heads' CEs (L_patch above). */
  loss(imageTokens: tf.Tensor3D, labels: PatchLabels): tf.Scalar;
}

/** Per patch (raster order): [colour class, shape class], background = the last class of each. */
export function patchClasses(ex: Example, patchSize: number): Int32Array {
  const S = ex.imageSize, g = S / patchSize, P = g * g;
  const out = new Int32Array(P * 2);
  const minPixels = (patchSize * patchSize) / 4;
  for (let py = 0; py < g; py++) {
    for (let px = 0; px < g; px++) {
      const colours = new Int32Array(OBJECT_COLOURS.length), shapes = new Int32Array(SHAPES.length);
      for (let dy = 0; dy < patchSize; dy++) {
        for (let dx = 0; dx < patchSize; dx++) {
          const pixel = (py * patchSize + dy) * S + px * patchSize + dx;
          const s = ex.shapeMap ? ex.shapeMap[pixel] : -1;
          if (s < 0) continue;
          shapes[s]++;
          const c = objectColourIndex(ex.image, pixel * 3);
          if (c >= 0) colours[c]++;
        }
      }
      const n = py * g + px;
      out[n * 2] = argmaxAtLeast(colours, minPixels, OBJECT_COLOURS.length);
      out[n * 2 + 1] = argmaxAtLeast(shapes, minPixels, SHAPES.length);
    }
  }
  return out;
}

/**
 * Per patch (raster order): how many objects of the patch's colour and shape the example
 * holds (Example.objects), capped at KIND_COUNT_CLASSES − 1; 0 for background patches.
 */
export function patchKindCounts(ex: Example, classes: Int32Array): Int32Array {
  const P = classes.length / 2, out = new Int32Array(P);
  const objects = ex.objects ?? [];
  for (let n = 0; n < P; n++) {
    const colour = classes[n * 2], shape = classes[n * 2 + 1];
    if (colour >= OBJECT_COLOURS.length || shape >= SHAPES.length) continue;
    const same = objects.filter((o) => o.colour === colour && o.shape === shape).length;
    out[n] = Math.min(same, KIND_COUNT_CLASSES - 1);
  }
  return out;
}

function argmaxAtLeast(counts: Int32Array, min: number, otherwise: number): number {
  let best = otherwise, most = min - 1;
  counts.forEach((c, i) => { if (c > most) { best = i; most = c; } });
  return best;
}

export function createPatchProbe(model: TinyVlm, seed: number, countWeight = 0): PatchProbe {
  const { d, patchSize, patches: P } = model.shape;
  const store = new ParamStore(seed);
  const head = (name: string, classes: number) => ({
    weight: store.create(`${PATCH_PROBE_PREFIX}${name}.weight`, [d, classes], { kind: 'normal', std: 1 / Math.sqrt(d) }),
    bias: store.create(`${PATCH_PROBE_PREFIX}${name}.bias`, [classes], { kind: 'zeros' }),
  });
  const g = Math.round(Math.sqrt(P));
  const colourHead = head('colour', COLOUR_CLASSES), shapeHead = head('shape', SHAPE_CLASSES);
  const rowHead = head('row', g), colHead = head('column', g);
  const countHead = countWeight > 0 ? head('count', KIND_COUNT_CLASSES) : undefined;
  const grid = gridOneHots(g);
  addProbeHeads(model, store);
  const ce = (tokens: tf.Tensor2D, h: typeof colourHead, onehot: tf.Tensor2D, weights: tf.Tensor2D): tf.Tensor => {
    const logits = tf.add(tf.matMul(tokens, h.weight), h.bias);                        // [B·P, C]
    return tf.neg(tf.sum(tf.mul(tf.sum(tf.mul(tf.logSoftmax(logits), onehot), 1, true), weights)));
  };
  return {
    labels(examples) {
      const B = examples.length;
      const colour = new Float32Array(B * P * COLOUR_CLASSES), shape = new Float32Array(B * P * SHAPE_CLASSES);
      const weights = new Float32Array(B * P);
      const kindCount = countHead ? new Float32Array(B * P * KIND_COUNT_CLASSES) : undefined;
      let count = 0;
      examples.forEach((ex, b) => {
        if (!ex.shapeMap || (ex.imageSize / patchSize) ** 2 !== P) return;
        const classes = patchClasses(ex, patchSize);
        const kinds = kindCount && ex.objects ? patchKindCounts(ex, classes) : undefined;
        for (let n = 0; n < P; n++) {
          const row = b * P + n;
          if (kinds) kindCount![row * KIND_COUNT_CLASSES + kinds[n]] = 1;
          colour[row * COLOUR_CLASSES + classes[n * 2]] = 1;
          shape[row * SHAPE_CLASSES + classes[n * 2 + 1]] = 1;
          weights[row] = 1;
        }
        count += P;
      });
      if (count === 0) return undefined;
      const tile = (one: Float32Array) => { const out = new Float32Array(B * P * g); for (let b = 0; b < B; b++) out.set(one, b * P * g); return tf.tensor2d(out, [B * P, g]); };
      const t = {
        colour: tf.tensor2d(colour, [B * P, COLOUR_CLASSES]), shape: tf.tensor2d(shape, [B * P, SHAPE_CLASSES]),
        row: tile(grid.row), col: tile(grid.col), weights: tf.tensor2d(weights, [B * P, 1]), count,
        kindCount: kindCount ? tf.tensor2d(kindCount, [B * P, KIND_COUNT_CLASSES]) : undefined,
      };
      return { ...t, dispose: () => tf.dispose([t.colour, t.shape, t.row, t.col, t.weights, ...(t.kindCount ? [t.kindCount] : [])]) };
    },
    loss(imageTokens, labels) {
      const [B, , dd] = imageTokens.shape;
      const tokens = tf.reshape(imageTokens, [B * P, dd]) as tf.Tensor2D;              // [B·P, d]
      const terms = [
        ce(tokens, colourHead, labels.colour, labels.weights), ce(tokens, shapeHead, labels.shape, labels.weights),
        ce(tokens, rowHead, labels.row, labels.weights), ce(tokens, colHead, labels.col, labels.weights),
      ];
      if (countHead && labels.kindCount) terms.push(tf.mul(countWeight, ce(tokens, countHead, labels.kindCount, labels.weights)));
      const total = tf.addN(terms);
      return tf.div(total, labels.count) as tf.Scalar;
    },
  };
}
