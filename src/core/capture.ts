// Attention capture files (`<runDir>/captures/step-<N>.llcap`), format version 1.
// Pure TypeScript with no Node-only API: the engine writes captures with
// `encodeCapture`, the attention viewer (a browser webview) reads them with
// `decodeCapture`. The full byte layout is in docs/capture-format.md:
//
//   0  "LLCAP\0"            6 bytes magic
//   6  u16 LE version       = 1
//   8  u32 LE n             byte length of the UTF-8 JSON index
//  12  index                n bytes
//      zero padding         to the next multiple of 4 -> data section start D
//   D  arrays               raw little-endian, each at D + ref.offset (offset % 4 == 0)
//
// The decoder checks everything by hand (no ajv, so the webview stays small);
// Node callers can add the JSON-schema check with `validateCaptureIndex`
// from ./capture/schema.

import { checkCaptureIndex } from './capture/check';
import { CaptureFormatError } from './capture/error';

export { CaptureFormatError };

export const CAPTURE_MAGIC = [0x4c, 0x4c, 0x43, 0x41, 0x50, 0x00];   // "LLCAP\0"
export const CAPTURE_VERSION = 1;
export const CAPTURE_HEADER_BYTES = 12;


export type DType = 'float32' | 'uint8';

/** Where an array lives in the file: `offset` is from the start of the data section. */
export interface ArrayRef {
  offset: number;
  dtype: DType;
  shape: number[];
  byteLength: number;     // product(shape) * bytes per element
}

export interface Float32Tensor { dtype: 'float32'; shape: number[]; data: Float32Array }
export interface Uint8Tensor { dtype: 'uint8'; shape: number[]; data: Uint8Array }

/** Attention of one forward path. F is ArrayRef in the index, Float32Tensor once decoded. */
export interface PathCaptureOf<F> {
  answerToLatent: F;            // [L, h, A, K]
  latentToImage: F;             // [L, h, K, P]
  answerToAll?: F;              // [L, h, A, T]
  losses?: Record<string, number>;
}

export interface CaptureExampleOf<F, U> {
  id: string;
  task: string;
  question: string;
  answer: string;
  prediction: string;
  correct: boolean;
  tokens: string[];             // label of each sequence position, length T
  segments: number[];           // 0 text, 1 image, 2 latent, 3 answer, 4 pad; length T
  answerRows: number[];         // A sequence positions (rows of answerTo*)
  latentCols: number[];         // K sequence positions
  imagePatchCols: number[];     // P sequence positions, row-major over patchGrid
  image: U;                     // [H, W, 3] uint8, for display
  corruptedImage?: U;           // [H, W, 3] uint8, for display
  // Exactly the pixels the model saw, so a capture plus its checkpoint recomputes the same attention.
  imagePixels?: F;              // [H, W, 3] float32
  corruptedImagePixels?: F;     // [H, W, 3] float32
  corruption?: { mode: string; intensity: number };
  paths: { intact: PathCaptureOf<F>; corrupted?: PathCaptureOf<F> };
}

export interface CaptureModelInfo {
  layers: number;
  heads: number;
  patchGrid: [number, number];  // [gh, gw], P = gh * gw
  capturedLayers?: number[];    // decoder layer of each index along L; absent = 0..layers-1
}

export interface CaptureOf<F, U> {
  version: 1;
  step: number;
  run: { name: string; method: string; created: string };
  model: CaptureModelInfo;
  examples: CaptureExampleOf<F, U>[];
}

export type CaptureIndex = CaptureOf<ArrayRef, ArrayRef>;
export type Capture = CaptureOf<Float32Tensor, Uint8Tensor>;
export type CaptureExample = CaptureExampleOf<Float32Tensor, Uint8Tensor>;
export type PathCapture = PathCaptureOf<Float32Tensor>;
/** What the engine hands to `encodeCapture`: the decoded shape, `version` optional. */
export type CaptureInput = Omit<Capture, 'version'> & { version?: 1 };

export const BYTES_PER_ELEMENT: Record<DType, number> = { float32: 4, uint8: 1 };
const PATH_ARRAYS = ['answerToLatent', 'latentToImage', 'answerToAll'] as const;

export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

const align4 = (n: number): number => (n + 3) & ~3;
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Every array of a capture in file order, with a human name used in error messages. */
export function forEachArray<F, U>(
  cap: { examples: CaptureExampleOf<F, U>[] },
  visit: (arr: F | U, name: string, exampleIndex: number, set: (v: F | U) => void) => void,
): void {
  cap.examples.forEach((ex, i) => {
    visit(ex.image, 'image', i, (v) => { ex.image = v as U; });
    if (ex.corruptedImage !== undefined) visit(ex.corruptedImage, 'corruptedImage', i, (v) => { ex.corruptedImage = v as U; });
    if (ex.imagePixels !== undefined) visit(ex.imagePixels, 'imagePixels', i, (v) => { ex.imagePixels = v as F; });
    if (ex.corruptedImagePixels !== undefined) visit(ex.corruptedImagePixels, 'corruptedImagePixels', i, (v) => { ex.corruptedImagePixels = v as F; });
    for (const pathName of ['intact', 'corrupted'] as const) {
      const path = ex.paths[pathName];
      if (path === undefined) continue;
      for (const key of PATH_ARRAYS) {
        const arr = path[key];
        if (arr === undefined) continue;
        const name = pathName === 'intact' ? key : `${key} (corrupted path)`;
        visit(arr, name, i, (v) => { path[key] = v as F; });
      }
    }
  });
}

// ---- encode ----------------------------------------------------------------

/** Serialises a capture; throws CaptureFormatError when an array's data does not match its shape. */
export function encodeCapture(input: CaptureInput): Uint8Array {
  // The index is a deep copy with every tensor replaced by its ArrayRef.
  const tensors: (Float32Tensor | Uint8Tensor)[] = [];
  const index = JSON.parse(JSON.stringify(input, (_k, v: unknown) =>
    ArrayBuffer.isView(v) ? undefined : v)) as CaptureIndex & { version?: number };
  index.version = CAPTURE_VERSION;
  const original = { examples: input.examples } as { examples: CaptureExampleOf<Float32Tensor | Uint8Tensor, Float32Tensor | Uint8Tensor>[] };
  const collected: { t: Float32Tensor | Uint8Tensor; name: string; i: number }[] = [];
  forEachArray(original, (t, name, i) => collected.push({ t, name, i }));
  let offset = 0;
  let k = 0;
  forEachArray(index as CaptureOf<ArrayRef, ArrayRef>, (_stub, _name, _i, set) => {
    const { t, name, i } = collected[k++];
    const expectedDtype = t.data instanceof Float32Array ? 'float32' : t.data instanceof Uint8Array ? 'uint8' : null;
    if (expectedDtype === null || expectedDtype !== t.dtype) {
      throw new CaptureFormatError(`encode: array ${name} of example ${i} has dtype '${t.dtype}' but its data is a ${t.data?.constructor?.name}; use Float32Array for float32 and Uint8Array for uint8`);
    }
    if (shapeSize(t.shape) !== t.data.length) {
      throw new CaptureFormatError(`encode: array ${name} of example ${i} has shape [${t.shape.join(', ')}] (${shapeSize(t.shape)} elements) but ${t.data.length} values`);
    }
    const byteLength = t.data.byteLength;
    set({ offset, dtype: t.dtype, shape: [...t.shape], byteLength });
    tensors.push(t);
    offset = align4(offset + byteLength);
  });
  const json = new TextEncoder().encode(JSON.stringify(index));
  const dataStart = align4(CAPTURE_HEADER_BYTES + json.length);
  const out = new Uint8Array(dataStart + offset);
  out.set(CAPTURE_MAGIC, 0);
  const view = new DataView(out.buffer);
  view.setUint16(6, CAPTURE_VERSION, true);
  view.setUint32(8, json.length, true);
  out.set(json, CAPTURE_HEADER_BYTES);
  let at = dataStart;
  for (const t of tensors) {
    writeLittleEndian(out, at, t);
    at = align4(at + t.data.byteLength);
  }
  // Re-check our own output: the encoder must never write a file the decoder refuses.
  checkCaptureIndex(index, dataStart, out.length);
  return out;
}

function writeLittleEndian(out: Uint8Array, at: number, t: Float32Tensor | Uint8Tensor): void {
  if (t.dtype === 'uint8' || littleEndian) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    return;
  }
  const view = new DataView(out.buffer, out.byteOffset);
  t.data.forEach((v, j) => view.setFloat32(at + 4 * j, v, true));
}

// ---- decode ----------------------------------------------------------------

/** Header fields and the raw index, without materialising any array. */
export function readCaptureIndex(buf: ArrayBuffer | Uint8Array): { index: CaptureIndex; dataStart: number; bytes: Uint8Array } {
  const bytes = buf instanceof Uint8Array ? buf : new Uint8Array(buf);
  const n = bytes.length;
  if (n < CAPTURE_HEADER_BYTES) {
    throw new CaptureFormatError(`truncated: the file has ${n} bytes but the header alone needs ${CAPTURE_HEADER_BYTES}`);
  }
  for (let i = 0; i < CAPTURE_MAGIC.length; i++) {
    if (bytes[i] !== CAPTURE_MAGIC[i]) {
      const found = Array.from(bytes.subarray(0, 6), (b) => b.toString(16).padStart(2, '0')).join(' ');
      throw new CaptureFormatError(`bad magic: not a Latent Lab capture (expected bytes 4c 4c 43 41 50 00 = "LLCAP\\0", found ${found})`);
    }
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(6, true);
  if (version !== CAPTURE_VERSION) {
    throw new CaptureFormatError(`unsupported capture version ${version}: this reader understands version ${CAPTURE_VERSION}; update Latent Lab or re-run the evaluation to write a new capture`);
  }
  const indexLength = view.getUint32(8, true);
  const indexEnd = CAPTURE_HEADER_BYTES + indexLength;
  if (indexEnd > n) {
    throw new CaptureFormatError(`truncated: the JSON index ends at byte ${indexEnd} but the file has ${n} bytes`);
  }
  let index: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(CAPTURE_HEADER_BYTES, indexEnd));
    index = JSON.parse(text);
  } catch (e) {
    throw new CaptureFormatError(`the JSON index (bytes ${CAPTURE_HEADER_BYTES}..${indexEnd}) is not valid UTF-8 JSON: ${(e as Error).message}`);
  }
  const dataStart = align4(indexEnd);
  checkCaptureIndex(index, dataStart, n);
  return { index: index as CaptureIndex, dataStart, bytes };
}

/**
 * Parses and validates a capture. Float32 arrays are views into `buf` when it is
 * 4-byte aligned and the machine is little-endian, copies otherwise.
 */
export function decodeCapture(buf: ArrayBuffer | Uint8Array): Capture {
  const { index, dataStart, bytes } = readCaptureIndex(buf);
  const capture = JSON.parse(JSON.stringify(index)) as CaptureOf<ArrayRef | Float32Tensor | Uint8Tensor, ArrayRef | Float32Tensor | Uint8Tensor>;
  forEachArray(capture, (ref, _name, _i, set) => {
    const r = ref as ArrayRef;
    const at = bytes.byteOffset + dataStart + r.offset;
    if (r.dtype === 'uint8') {
      set({ dtype: 'uint8', shape: r.shape, data: new Uint8Array(bytes.buffer, at, r.byteLength) });
    } else {
      set({ dtype: 'float32', shape: r.shape, data: readFloat32(bytes, at, r.byteLength / 4) });
    }
  });
  return capture as Capture;
}

function readFloat32(bytes: Uint8Array, at: number, count: number): Float32Array {
  if (littleEndian && at % 4 === 0) return new Float32Array(bytes.buffer, at, count);
  if (littleEndian) return new Float32Array(bytes.buffer.slice(at, at + 4 * count));
  const view = new DataView(bytes.buffer);
  const out = new Float32Array(count);
  for (let j = 0; j < count; j++) out[j] = view.getFloat32(at + 4 * j, true);
  return out;
}
