// Copying named weights into a model (init_from, resume), with errors that say what differs.
import { tf } from '../backend';

export interface NamedWeight { shape: number[]; data: Float32Array }

export interface LoadReport {
  loaded: string[];      // copied
  missing: string[];     // in the model, not in the source (kept at their initial values)
  unexpected: string[];  // in the source, not in the model (ignored)
  resized: string[];     // row-resized weights, as 'name rows a..b' (the rows that kept their init)
}

/**
 * Weights whose row count follows the data, not the model config: learned decoder
 * positions (the sequence length: a base trained with another length, e.g. without
 * latents, fills the first rows) and the token embedding (the vocabulary, which grows
 * with a fine-tune's new words: Tokenizer.extendedWith). The base fills the first
 * rows; the others keep their init. The vocabulary only grows: fewer rows is an error.
 */
export const RESIZABLE_ROWS = new Set(['decoder.pos_embed', 'decoder.token_embed', 'decoder.latent_embed']);
const GROW_ONLY = new Set(['decoder.token_embed']);

/**
 * Assigns every weight of `source` whose name the model has. A shape mismatch
 * is an error naming the weight, both shapes and `what` (e.g. the checkpoint
 * path). `mayBeMissing(name)` lists the model weights the source may lack
 * (e.g. LoRA adapters when starting LoRA from a full checkpoint); any other
 * missing weight is an error.
 */
export function loadWeights(variables: Map<string, tf.Variable>, source: Map<string, NamedWeight>, what: string,
  mayBeMissing: (name: string) => boolean = () => false, resizeRows = false): LoadReport {
  const report: LoadReport = { loaded: [], missing: [], unexpected: [], resized: [] };
  const resize: string[] = [];
  for (const [name, v] of variables) {
    const w = source.get(name);
    if (!w) { report.missing.push(name); continue; }
    if (resizeRows && RESIZABLE_ROWS.has(name) && w.shape.length === 2 && w.shape[1] === v.shape[1] && w.shape[0] !== v.shape[0]
      && (!GROW_ONLY.has(name) || w.shape[0] < v.shape[0])) {
      resize.push(name);
      continue;
    }
    if (w.shape.length !== v.shape.length || w.shape.some((n, i) => n !== v.shape[i])) {
      throw new Error(`${what}: weight ${name} has shape [${w.shape}] but the model expects [${v.shape}]; the checkpoint was trained with a different model/latents config or vocabulary`);
    }
    if (w.data.length !== v.size) throw new Error(`${what}: weight ${name} holds ${w.data.length} values, its shape [${w.shape}] needs ${v.size}`);
    report.loaded.push(name);
  }
  const notAllowed = report.missing.filter((n) => !mayBeMissing(n));
  if (notAllowed.length > 0) {
    throw new Error(`${what}: missing weights ${notAllowed.slice(0, 5).join(', ')}${notAllowed.length > 5 ? ` and ${notAllowed.length - 5} more` : ''}; is it a tiny-vlm checkpoint of the same model config?`);
  }
  // Validate everything before assigning anything: a failed load leaves the model untouched.
  for (const name of report.loaded) {
    const w = source.get(name)!;
    const v = variables.get(name)!;
    tf.tidy(() => v.assign(tf.tensor(w.data, v.shape, 'float32')));
  }
  for (const name of resize) {
    const w = source.get(name)!;
    const v = variables.get(name)!;
    const rows = Math.min(w.shape[0], v.shape[0]);
    const cols = w.shape[1];
    // The source's first rows, then the model's own rows past them, joined on the device (no read-back).
    tf.tidy(() => {
      const head = tf.tensor2d(w.data.subarray(0, rows * cols), [rows, cols]);
      v.assign(rows < v.shape[0] ? tf.concat([head, tf.slice(v, [rows, 0], [v.shape[0] - rows, cols])], 0) : head);
    });
    report.loaded.push(name);
    if (rows < v.shape[0]) report.resized.push(`${name} rows ${rows}..${v.shape[0] - 1}`);
  }
  report.unexpected = [...source.keys()].filter((n) => !variables.has(n));
  return report;
}

/** Host copies of every weight (for checkpoints and export), awaited: readback.ts. */
export async function readWeights(variables: Map<string, tf.Variable>): Promise<Map<string, NamedWeight>> {
  const out = new Map<string, NamedWeight>();
  for (const [name, v] of variables) out.set(name, { shape: [...v.shape], data: await v.data() as Float32Array });
  return out;
}
