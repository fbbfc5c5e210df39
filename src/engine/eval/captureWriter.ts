// Attention capture files (docs/capture-format.md): for a few examples, per
// captured layer and head, answer→latent and latent→image-patch attention on
// the intact path and (CrystaL) on the corrupted path, plus token labels, the
// images, the prediction and, when asked (inspect), every loss term.
//
// Each example runs alone through its method's capture hook (methods/capture.ts:
// a batch of 1, or CrystaL's intact/corrupted pair) so its maps and losses are
// its own; captures are a handful of examples, so the cost is small. Methods
// without latents (sft) write K = 0 arrays ([L, h, A, 0], [L, h, 0, P]), which the format allows.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../../core/atomicWrite';
import { encodeCapture, type CaptureExample, type CaptureInput, type PathCapture } from '../../core/capture';
import { runPaths } from '../../core/runLayout';
import type { Example } from '../data/example';
import { Tokenizer } from '../data/tokenizer';
import { alignmentLayerList } from '../methods/alignment';
import { methodEntry } from '../methods';
import { SEGMENT } from '../model/segments';
import type { EncodedBatch } from '../model/sequence';
import type { Session } from '../session';

export interface CaptureOptions {
  step: number;
  layers: number[] | 'all';       // eval.capture.layers
  answerToAll: boolean;           // also store answer→every-position rows ([L, h, A, T])
  losses: boolean;                // store each path's loss terms (inspect)
  runName?: string;
}

/** Builds the capture of `examples` (not written). All tensors are freed before it returns. */
export async function buildCapture(session: Session, examples: Example[], o: CaptureOptions): Promise<CaptureInput> {
  const m = session.model.shape;
  const layers = alignmentLayerList(o.layers, m.layers);
  const grid = m.imageSize / m.patchSize;
  const captured: CaptureExample[] = [];
  for (const ex of examples) captured.push(await captureOne(session, ex, layers, o));
  return {
    step: o.step,
    run: { name: o.runName ?? session.config.name, method: session.method.name, created: new Date().toISOString() },
    model: { layers: m.layers, heads: m.heads, patchGrid: [grid, grid], ...(o.layers === 'all' ? {} : { capturedLayers: layers }) },
    examples: captured,
  };
}

/** Writes `<runDir>/captures/step-<N>.llcap` atomically; returns the path. */
export function writeCaptureFile(file: string, capture: CaptureInput): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomic(file, encodeCapture(capture));
  return file;
}

export function captureFileOf(runDir: string, step: number): string {
  return runPaths(runDir).capture(step);
}

/** The evaluation hook: eval.capture.examples examples of the split (round-robin over tasks). Undefined when 0. */
export async function writeEvalCapture(session: Session, runDir: string, split: 'val' | 'test', step: number): Promise<string | undefined> {
  const { examples: n, layers } = session.config.eval.capture;
  if (n <= 0) return undefined;
  const all = session.splits[split];
  const chosen = roundRobinByTask(all, n);
  if (chosen.length === 0) return undefined;
  const capture = await buildCapture(session, chosen, { step, layers, answerToAll: false, losses: false, runName: path.basename(runDir) });
  return writeCaptureFile(captureFileOf(runDir, step), capture);
}

/** Up to n examples taking one of each task in turn, in split order. */
function roundRobinByTask(all: Example[], n: number): Example[] {
  const byTask = new Map<string, Example[]>();
  for (const e of all) byTask.set(e.task, [...(byTask.get(e.task) ?? []), e]);
  const queues = [...byTask.values()];
  const out: Example[] = [];
  for (let i = 0; out.length < n && queues.some((q) => i < q.length); i++) {
    for (const q of queues) if (i < q.length && out.length < n) out.push(q[i]);
  }
  return out;
}

// ---- one example -----------------------------------------------------------

interface Positions { answerRows: number[]; latentCols: number[]; imagePatchCols: number[] }

function positionsOf(enc: EncodedBatch): Positions {
  const p: Positions = { answerRows: [], latentCols: [], imagePatchCols: [] };
  for (let t = 0; t < enc.T; t++) {
    const s = enc.segments[t];
    if (enc.lossMask[t] > 0) p.answerRows.push(t);   // the rows that predict the answer: <sep> and the answer words
    if (s === SEGMENT.latent) p.latentCols.push(t);
    else if (s === SEGMENT.image && p.imagePatchCols.length < enc.P) p.imagePatchCols.push(t);   // the input image's run
  }
  return p;
}

/** attention [R, h, T, T] host data of each captured layer → one path's arrays for row `r`. */
function pathArrays(maps: Float32Array[], r: number, h: number, T: number, pos: Positions, answerToAll: boolean): PathCapture {
  const L = maps.length;
  const pick = (rows: number[], cols: number[] | null) => {
    const C = cols ? cols.length : T;
    const out = new Float32Array(L * h * rows.length * C);
    let o = 0;
    for (let l = 0; l < L; l++) {
      for (let head = 0; head < h; head++) {
        const base = ((r * h + head) * T) * T;
        for (const row of rows) {
          for (let c = 0; c < C; c++) out[o++] = maps[l][base + row * T + (cols ? cols[c] : c)];
        }
      }
    }
    return { dtype: 'float32' as const, shape: [L, h, rows.length, C], data: out };
  };
  const p: PathCapture = { answerToLatent: pick(pos.answerRows, pos.latentCols), latentToImage: pick(pos.latentCols, pos.imagePatchCols) };
  if (answerToAll) p.answerToAll = pick(pos.answerRows, null);
  return p;
}

function toUint8(image: Float32Array, size: number) {
  const data = new Uint8Array(image.length);
  for (let i = 0; i < image.length; i++) data[i] = Math.max(0, Math.min(255, Math.round(image[i] * 255)));
  return { dtype: 'uint8' as const, shape: [size, size, 3], data };
}

/** The exact float32 pixels [H, W, 3] (a copy). */
function pixels(image: Float32Array, size: number) {
  return { dtype: 'float32' as const, shape: [size, size, 3], data: Float32Array.from(image) };
}

/** Greedy prediction of row 0 read from the teacher-forced argmax (exact for exact match, see evaluate.ts). */
function predictionOf(session: Session, predicted: Int32Array, enc: EncodedBatch): { prediction: string; correct: boolean } {
  const ids: number[] = [];
  let correct = true;
  let stopped = false;
  for (let t = 0; t < enc.T; t++) {
    if (enc.lossMask[t] === 0) continue;
    if (predicted[t] !== enc.targets[t]) correct = false;
    if (!stopped) {
      if (predicted[t] === Tokenizer.EOS) stopped = true;
      else ids.push(predicted[t]);
    }
  }
  return { prediction: session.tokenizer.decode(ids), correct };
}

async function captureOne(session: Session, ex: Example, layers: number[], o: CaptureOptions): Promise<CaptureExample> {
  const r = await methodEntry(session.config).capture(session, ex, layers, o.losses);
  const { enc } = r;
  const T = enc.T;
  const h = session.model.shape.heads;
  const pos = positionsOf(enc);
  const intact = pathArrays(r.maps, 0, h, T, pos, o.answerToAll);
  if (r.losses) intact.losses = r.losses.intact;
  const { prediction, correct } = predictionOf(session, r.predicted, enc);
  const capture: CaptureExample = {
    id: ex.id, task: ex.task, question: ex.question, answer: ex.answer, prediction, correct,
    tokens: Array.from(enc.tokenIds.subarray(0, T), (id) => session.tokenizer.token(id)),
    segments: Array.from(enc.segments.subarray(0, T)),
    ...pos,
    image: toUint8(ex.image, ex.imageSize),
    imagePixels: pixels(ex.image, ex.imageSize),
    paths: { intact },
  };
  if (r.corrupted) {
    const c = pathArrays(r.maps, 1, h, T, pos, o.answerToAll);
    if (r.losses?.corrupted) c.losses = r.losses.corrupted;
    capture.paths.corrupted = c;
    capture.corruptedImage = toUint8(r.corrupted.image, ex.imageSize);
    capture.corruptedImagePixels = pixels(r.corrupted.image, ex.imageSize);
    capture.corruption = { mode: r.corrupted.mode, intensity: r.corrupted.intensity };
  }
  return capture;
}
