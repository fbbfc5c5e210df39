// Hand-written structural check of a capture index against the file it came from.
// This is what the webview relies on (it has no ajv): every field's type, every
// ArrayRef's shape against the model and the example's token lists, and every
// array inside the file. The JSON schema (schemas/capture.schema.json) says the
// same in declarative form; ./schema.ts applies it with ajv in Node.

import type { ArrayRef, CaptureIndex } from '../capture';
import { CaptureFormatError } from './error';

type Json = Record<string, unknown>;

const fail = (message: string): never => { throw new CaptureFormatError(message); };
const describe = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'string' ? `"${v.slice(0, 40)}"` : typeof v === 'object' ? 'an object' : String(v));

function obj(v: unknown, where: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`${where}: expected an object, found ${describe(v)}`);
  return v as Json;
}
function str(v: unknown, where: string): string {
  if (typeof v !== 'string') fail(`${where}: expected a string, found ${describe(v)}`);
  return v as string;
}
function int(v: unknown, where: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    fail(`${where}: expected an integer in [${min}, ${max === Number.MAX_SAFE_INTEGER ? '∞' : max}], found ${describe(v)}`);
  }
  return v as number;
}
function intList(v: unknown, where: string, min: number, max: number): number[] {
  if (!Array.isArray(v)) fail(`${where}: expected an array of integers, found ${describe(v)}`);
  (v as unknown[]).forEach((x, j) => int(x, `${where}[${j}]`, min, max));
  return v as number[];
}

interface Span { start: number; end: number; name: string }

/** Throws CaptureFormatError unless `index` is a well-formed v1 index for a file of `fileLength` bytes. */
export function checkCaptureIndex(index: unknown, dataStart: number, fileLength: number): asserts index is CaptureIndex {
  const root = obj(index, 'index');
  if (root.version !== 1) fail(`index.version: expected 1, found ${describe(root.version)}`);
  int(root.step, 'index.step', 0);
  const run = obj(root.run, 'index.run');
  for (const k of ['name', 'method', 'created']) str(run[k], `index.run.${k}`);
  const model = obj(root.model, 'index.model');
  const layers = int(model.layers, 'index.model.layers', 1);
  const heads = int(model.heads, 'index.model.heads', 1);
  const grid = intList(model.patchGrid, 'index.model.patchGrid', 1, Number.MAX_SAFE_INTEGER);
  if (grid.length !== 2) fail(`index.model.patchGrid: expected [gh, gw], found ${grid.length} numbers`);
  let L = layers;
  if (model.capturedLayers !== undefined) {
    const captured = intList(model.capturedLayers, 'index.model.capturedLayers', 0, layers - 1);
    if (captured.length === 0 || new Set(captured).size !== captured.length) fail('index.model.capturedLayers: expected a non-empty list of distinct layer indices');
    L = captured.length;
  }
  const P = grid[0] * grid[1];
  if (!Array.isArray(root.examples)) fail(`index.examples: expected an array, found ${describe(root.examples)}`);
  const spans: Span[] = [];
  (root.examples as unknown[]).forEach((e, i) => checkExample(e, i, { L, h: heads, P }, dataStart, fileLength, spans));
  // Arrays must not overlap: an index that points two arrays at the same bytes is lying about one of them.
  spans.sort((a, b) => a.start - b.start);
  for (let j = 1; j < spans.length; j++) {
    if (spans[j].start < spans[j - 1].end) fail(`index lies: ${spans[j].name} (bytes ${spans[j].start}..${spans[j].end}) overlaps ${spans[j - 1].name} (bytes ${spans[j - 1].start}..${spans[j - 1].end})`);
  }
}

function checkExample(e: unknown, i: number, dims: { L: number; h: number; P: number }, dataStart: number, fileLength: number, spans: Span[]): void {
  const at = `examples[${i}]`;
  const ex = obj(e, at);
  for (const k of ['id', 'task', 'question', 'answer', 'prediction']) str(ex[k], `${at}.${k}`);
  if (typeof ex.correct !== 'boolean') fail(`${at}.correct: expected true or false, found ${describe(ex.correct)}`);
  if (!Array.isArray(ex.tokens)) fail(`${at}.tokens: expected an array of strings`);
  const tokens = ex.tokens as unknown[];
  tokens.forEach((t, j) => str(t, `${at}.tokens[${j}]`));
  const T = tokens.length;
  const segments = intList(ex.segments, `${at}.segments`, 0, 4);
  if (segments.length !== T) fail(`${at}.segments: has ${segments.length} entries but tokens has ${T}; there must be one segment id per position`);
  const answerRows = intList(ex.answerRows, `${at}.answerRows`, 0, T - 1);
  const latentCols = intList(ex.latentCols, `${at}.latentCols`, 0, T - 1);
  const patchCols = intList(ex.imagePatchCols, `${at}.imagePatchCols`, 0, T - 1);
  latentCols.forEach((c, j) => { if (segments[c] !== 2) fail(`${at}.latentCols[${j}] = ${c} is not a latent position (segments[${c}] = ${segments[c]}, expected 2)`); });
  patchCols.forEach((c, j) => { if (segments[c] !== 1) fail(`${at}.imagePatchCols[${j}] = ${c} is not an image position (segments[${c}] = ${segments[c]}, expected 1)`); });
  if (patchCols.length !== dims.P) fail(`${at}.imagePatchCols: has ${patchCols.length} entries but model.patchGrid gives P = ${dims.P}`);
  const A = answerRows.length;
  const K = latentCols.length;

  const arrayRef = (v: unknown, name: string, where: string, dtype: 'float32' | 'uint8', expected: (number | null)[], dimNames: string): ArrayRef => {
    const r = obj(v, where);
    const offset = int(r.offset, `${where}.offset`, 0);
    if (offset % 4 !== 0) fail(`${where}.offset: ${offset} is not a multiple of 4`);
    if (r.dtype !== dtype) fail(`${where}.dtype: expected '${dtype}', found ${describe(r.dtype)}`);
    const shape = intList(r.shape, `${where}.shape`, 0, Number.MAX_SAFE_INTEGER);
    const mismatch = shape.length !== expected.length || expected.some((d, j) => d !== null && d !== shape[j]);
    if (mismatch) {
      const want = expected.map((d) => (d === null ? '*' : String(d))).join(', ');
      fail(`index lies about shapes: ${where}.shape is [${shape.join(', ')}] but ${dimNames} = [${want}] from the model and the example's token lists`);
    }
    const byteLength = int(r.byteLength, `${where}.byteLength`, 0);
    const size = shape.reduce((a, b) => a * b, 1) * (dtype === 'float32' ? 4 : 1);
    if (byteLength !== size) fail(`index lies about shapes: ${where}.byteLength is ${byteLength} but shape [${shape.join(', ')}] of ${dtype} needs ${size} bytes`);
    const start = dataStart + offset;
    const end = start + byteLength;
    if (end > fileLength) fail(`truncated: array ${name} of example ${i} ends at byte ${end} but the file has ${fileLength} bytes`);
    spans.push({ start, end, name: `array ${name} of example ${i}` });
    return r as unknown as ArrayRef;
  };

  const image = arrayRef(ex.image, 'image', `${at}.image`, 'uint8', [null, null, 3], '[H, W, 3]');
  if (ex.corruptedImage !== undefined) {
    arrayRef(ex.corruptedImage, 'corruptedImage', `${at}.corruptedImage`, 'uint8', [image.shape[0], image.shape[1], 3], 'the image\'s [H, W, 3]');
  }
  for (const key of ['imagePixels', 'corruptedImagePixels'] as const) {
    if (ex[key] !== undefined) arrayRef(ex[key], key, `${at}.${key}`, 'float32', [image.shape[0], image.shape[1], 3], 'the image\'s [H, W, 3]');
  }
  if (ex.corruption !== undefined) {
    const c = obj(ex.corruption, `${at}.corruption`);
    str(c.mode, `${at}.corruption.mode`);
    if (typeof c.intensity !== 'number') fail(`${at}.corruption.intensity: expected a number, found ${describe(c.intensity)}`);
  }
  const paths = obj(ex.paths, `${at}.paths`);
  if (paths.intact === undefined) fail(`${at}.paths.intact: missing; every example needs the intact path's attention`);
  for (const pathName of ['intact', 'corrupted'] as const) {
    if (paths[pathName] === undefined) continue;
    const pw = `${at}.paths.${pathName}`;
    const p = obj(paths[pathName], pw);
    const suffix = pathName === 'intact' ? '' : ' (corrupted path)';
    const { L, h, P } = dims;
    arrayRef(p.answerToLatent, `answerToLatent${suffix}`, `${pw}.answerToLatent`, 'float32', [L, h, A, K], '[L, h, A, K]');
    arrayRef(p.latentToImage, `latentToImage${suffix}`, `${pw}.latentToImage`, 'float32', [L, h, K, P], '[L, h, K, P]');
    if (p.answerToAll !== undefined) arrayRef(p.answerToAll, `answerToAll${suffix}`, `${pw}.answerToAll`, 'float32', [L, h, A, T], '[L, h, A, T]');
    if (p.losses !== undefined) {
      const losses = obj(p.losses, `${pw}.losses`);
      for (const [k, v] of Object.entries(losses)) if (typeof v !== 'number') fail(`${pw}.losses.${k}: expected a number, found ${describe(v)}`);
    }
  }
}
