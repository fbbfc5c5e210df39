// Image files → [size, size, 3] Float32Array in [0, 1]: PNG via pngjs, JPEG via jpeg-js (both pure
// JavaScript, nothing to download). The format comes from the file's first bytes, not its name.
// Alpha is dropped, grayscale becomes three equal channels (both decoders emit RGBA), and the
// image is resized to a square: area average when shrinking, bilinear when enlarging. A
// non-square image is stretched, never cropped, so nothing the question asks about is cut off.

import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { FileReadError, READ_LIMITS, readBounded } from '../../core/boundedRead';

/** Largest side a decoded image may have: a small header must not make the decoder allocate gigabytes. */
export const MAX_IMAGE_SIDE = 8192;

export interface Rgba { width: number; height: number; data: Uint8Array }   // [h, w, 4]

/** Decodes PNG or JPEG bytes; throws an Error whose message says what is wrong with them. */
export function decodeImage(bytes: Uint8Array): Rgba {
  const isPng = bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
  const isJpeg = bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  if (isPng) {
    // IHDR: width and height as big-endian uint32 at bytes 16..23.
    if (bytes.length >= 24 && String.fromCharCode(bytes[12], bytes[13], bytes[14], bytes[15]) === 'IHDR') {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
      checkSize(view.getUint32(16), view.getUint32(20), 'PNG');
    }
    try {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
      return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length) };
    } catch (err) {
      throw new Error(`not a readable PNG (${(err as Error).message})`);
    }
  }
  if (isJpeg) {
    try {
      // tolerantDecoding off: a truncated JPEG is an error, not a silently grey image.
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, tolerantDecoding: false, maxMemoryUsageInMB: 512,
        maxResolutionInMP: (MAX_IMAGE_SIDE * MAX_IMAGE_SIDE) / 1e6 });
      return { width: img.width, height: img.height, data: img.data };
    } catch (err) {
      throw new Error(`not a readable JPEG (${(err as Error).message})`);
    }
  }
  throw new Error(bytes.length === 0 ? 'the file is empty' : 'neither PNG nor JPEG (unrecognised file header)');
}

function checkSize(width: number, height: number, format: string): void {
  if (width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE) {
    throw new Error(`not a readable ${format} (its header says ${width}×${height} pixels, more than ${MAX_IMAGE_SIDE} on a side: shrink it)`);
  }
}

/** Per output index along one axis: the source indices and weights that make it. */
interface Taps { index: Int32Array; weight: Float32Array; count: number }

function axisTaps(src: number, dst: number): Taps[] {
  const taps: Taps[] = [];
  const scale = src / dst;
  for (let i = 0; i < dst; i++) {
    const index: number[] = [], weight: number[] = [];
    if (scale >= 1) {
      // Area average: every source pixel weighted by how much of it the output pixel covers.
      const a = i * scale, b = (i + 1) * scale;
      for (let s = Math.floor(a); s < Math.min(src, Math.ceil(b)); s++) {
        const w = Math.min(b, s + 1) - Math.max(a, s);
        if (w > 0) { index.push(s); weight.push(w / scale); }
      }
    } else {
      // Bilinear between the two nearest source pixel centres.
      const c = Math.min(src - 1, Math.max(0, (i + 0.5) * scale - 0.5));
      const s0 = Math.floor(c), s1 = Math.min(src - 1, s0 + 1), t = c - s0;
      index.push(s0, s1);
      weight.push(1 - t, t);
    }
    taps.push({ index: Int32Array.from(index), weight: Float32Array.from(weight), count: index.length });
  }
  return taps;
}

/** RGBA bytes [h, w, 4] → RGB floats [size, size, 3] in [0, 1]. */
export function resizeToSquare(img: Rgba, size: number): Float32Array {
  const { width: w, height: h, data } = img;
  const xs = axisTaps(w, size), ys = axisTaps(h, size);
  // Horizontal pass: [h, size, 3].
  const rows = new Float32Array(h * size * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < size; x++) {
      const t = xs[x];
      let r = 0, g = 0, b = 0;
      for (let k = 0; k < t.count; k++) {
        const o = (y * w + t.index[k]) * 4, wk = t.weight[k];
        r += data[o] * wk; g += data[o + 1] * wk; b += data[o + 2] * wk;
      }
      const o = (y * size + x) * 3;
      rows[o] = r / 255; rows[o + 1] = g / 255; rows[o + 2] = b / 255;
    }
  }
  // Vertical pass: [size, size, 3].
  const out = new Float32Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    const t = ys[y];
    for (let x = 0; x < size; x++) {
      for (let ch = 0; ch < 3; ch++) {
        let v = 0;
        for (let k = 0; k < t.count; k++) v += rows[(t.index[k] * size + x) * 3 + ch] * t.weight[k];
        out[(y * size + x) * 3 + ch] = Math.min(1, Math.max(0, v));
      }
    }
  }
  return out;
}

/** Reads, decodes and resizes one image file; errors say what is wrong with the file. */
export function loadImageFile(file: string, size: number): Float32Array {
  let bytes: Buffer;
  try {
    bytes = readBounded(file, READ_LIMITS.image, 'image');   // a regular file, never /dev/zero or a FIFO
  } catch (err) {
    if (!(err instanceof FileReadError)) throw err;
    throw new Error(err.reason === 'missing' ? 'no such file' : err.reason === 'not-regular' && /folder/.test(err.message) ? 'it is a folder, not an image file' : err.message.slice(file.length + 2));
  }
  const img = decodeImage(bytes);
  if (img.width < 1 || img.height < 1) throw new Error(`it has no pixels (${img.width}×${img.height})`);
  return resizeToSquare(img, size);
}
