// A user's tfjs model on disk as a REPA target encoder (`kind: tfjs_model, path`).
//
// tfjs-node (and its file:// handler) is not a dependency, so this is a small
// IOHandler that reads `model.json` and the weight files its manifest names, from
// the folder of `path` (a model.json file, or a folder holding one). Both formats:
// `layers-model` → tf.loadLayersModel, `graph-model` → tf.loadGraphModel.
//
// The model maps images [B, H, W, 3] (values in [0, 1]) to patch features,
// [B, P, d] or [B, gh, gw, d] with gh·gw = P.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tf } from '../backend';
import { READ_LIMITS, readBounded, readTextBounded } from '../../core/boundedRead';
import { isInside } from '../../core/validate/confine';

/** IOHandler that loads model.json + weights from a local folder. */
export function fileLoadHandler(modelJsonPath: string): tf.io.IOHandler {
  return {
    load: async (): Promise<tf.io.ModelArtifacts> => {
      const dir = path.dirname(modelJsonPath);
      let json: tf.io.ModelJSON;
      try {
        json = JSON.parse(readTextBounded(modelJsonPath, READ_LIMITS.runJson, 'tfjs model.json')) as tf.io.ModelJSON;
      } catch (e) {
        throw new Error(`${modelJsonPath}: not a readable tfjs model.json (${e instanceof Error ? e.message : String(e)}); save the model with model.save() in tfjs format`);
      }
      if (!json.modelTopology || !Array.isArray(json.weightsManifest)) {
        throw new Error(`${modelJsonPath}: missing modelTopology or weightsManifest; this is not a tfjs model.json`);
      }
      const specs: tf.io.WeightsManifestEntry[] = [];
      const buffers: Uint8Array[] = [];
      for (const group of json.weightsManifest) {
        specs.push(...group.weights);
        for (const p of group.paths) {
          const file = path.join(dir, p);
          // A manifest may only name files beside it: `../../etc/shadow` is refused.
          if (!isInside(file, [dir])) throw new Error(`${modelJsonPath}: weight file ${p} named in weightsManifest is outside the model's folder ${dir}; keep the weight files beside model.json`);
          if (!fs.existsSync(file)) throw new Error(`${modelJsonPath}: weight file ${p} named in weightsManifest is missing (looked in ${dir})`);
          buffers.push(new Uint8Array(readBounded(file, READ_LIMITS.tensors, 'tfjs weight file')));
        }
      }
      const total = buffers.reduce((a, b) => a + b.byteLength, 0);
      const data = new Uint8Array(total);
      let at = 0;
      for (const b of buffers) { data.set(b, at); at += b.byteLength; }
      return {
        modelTopology: json.modelTopology, format: json.format, generatedBy: json.generatedBy, convertedBy: json.convertedBy,
        signature: json.signature, userDefinedMetadata: json.userDefinedMetadata, modelInitializer: json.modelInitializer,
        weightSpecs: specs, weightData: data.buffer,
      };
    },
  };
}

export interface TfjsEncoder {
  dim: number;
  /** images [B, H, W, 3] → features [B, P, d]. */
  features(images: tf.Tensor4D, P: number): tf.Tensor3D;
  dispose(): void;
}

/** Loads a layers- or graph-model from `where` (model.json or its folder). */
export async function loadTfjsEncoder(where: string, imageSize: number, P: number): Promise<TfjsEncoder> {
  const file = fs.existsSync(where) && fs.statSync(where).isDirectory() ? path.join(where, 'model.json') : where;
  if (!fs.existsSync(file)) throw new Error(`method.valr.repa.encoders: tfjs_model path ${where} has no model.json; point it at a tfjs model saved with model.save()`);
  const format = (JSON.parse(readTextBounded(file, READ_LIMITS.runJson, 'tfjs model.json')) as { format?: string }).format;
  const handler = fileLoadHandler(file);
  const model: tf.LayersModel | tf.GraphModel = format === 'graph-model' ? await tf.loadGraphModel(handler) : await tf.loadLayersModel(handler);
  const run = (x: tf.Tensor4D): tf.Tensor => {
    const y = model.predict(x);
    if (Array.isArray(y) || !(y instanceof tf.Tensor)) throw new Error(`${file}: the model has several outputs; REPA needs one [B, P, d] or [B, gh, gw, d] output`);
    return y;
  };
  const toPatches = (y: tf.Tensor, B: number): tf.Tensor3D => {
    const d = y.shape[y.shape.length - 1];
    const n = y.size / (B * d);
    if ((y.rank !== 3 && y.rank !== 4) || n !== P) {
      throw new Error(`${file}: output shape [${y.shape}] does not give P = ${P} patch features per image (expected [B, ${P}, d] or [B, gh, gw, d] with gh·gw = ${P})`);
    }
    return tf.reshape(y, [B, P, d]);
  };
  const probe = tf.tidy(() => toPatches(run(tf.zeros([1, imageSize, imageSize, 3])), 1).shape[2]);
  return {
    dim: probe,
    features: (images, PP) => tf.tidy(() => { if (PP !== P) throw new Error('tfjs_model: patch count changed'); return toPatches(run(images), images.shape[0]); }),
    dispose: () => { if ('dispose' in model && typeof model.dispose === 'function') model.dispose(); },
  };
}
