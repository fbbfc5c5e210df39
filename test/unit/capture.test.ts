// Capture format v1: round trip, and every way a file can be wrong.
import * as assert from 'node:assert/strict';
import {
  CaptureFormatError, decodeCapture, encodeCapture, readCaptureIndex,
  type CaptureIndex, type CaptureInput,
} from '../../src/core/capture';
import { validateCaptureIndex } from '../../src/core/capture/schema';
import { headView } from '../../src/core/capture/views';
import { syntheticCapture } from '../../src/core/capture/synthetic';

/** Re-assembles a file around a modified JSON index, keeping the data section bytes. */
function withIndex(file: Uint8Array, edit: (index: CaptureIndex) => void): Uint8Array {
  const { index, dataStart } = readCaptureIndex(file);
  edit(index);
  const json = new TextEncoder().encode(JSON.stringify(index));
  const start = (12 + json.length + 3) & ~3;
  const out = new Uint8Array(start + file.length - dataStart);
  out.set(file.subarray(0, 12));
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  out.set(file.subarray(dataStart), start);
  return out;
}

const throwsFormat = (fn: () => unknown, pattern: RegExp): void =>
  assert.throws(fn, (e: unknown) => e instanceof CaptureFormatError && pattern.test(e.message));

describe('capture format v1', () => {
  const input: CaptureInput = syntheticCapture({ layers: 3, heads: 2, answers: 4, latents: 5, examples: 3 });
  const file = encodeCapture(input);

  it('round-trips every field and every array bit for bit', () => {
    const cap = decodeCapture(file);
    assert.equal(cap.version, 1);
    assert.equal(cap.step, input.step);
    assert.deepEqual(cap.model, input.model);
    assert.equal(cap.examples.length, 3);
    cap.examples.forEach((ex, i) => {
      const src = input.examples[i];
      assert.deepEqual(ex.tokens, src.tokens);
      assert.equal(ex.correct, src.correct);
      assert.deepEqual(ex.image.shape, src.image.shape);
      assert.deepEqual(Array.from(ex.image.data), Array.from(src.image.data));
      assert.deepEqual(Array.from(ex.paths.intact.answerToLatent.data), Array.from(src.paths.intact.answerToLatent.data));
      assert.deepEqual(ex.paths.corrupted?.latentToImage.shape, [3, 2, 5, 16]);
      assert.deepEqual(Array.from(ex.paths.corrupted!.latentToImage.data), Array.from(src.paths.corrupted!.latentToImage.data));
      assert.deepEqual(ex.paths.intact.losses, src.paths.intact.losses);
    });
  });

  it('decodes from an unaligned Node Buffer and from an ArrayBuffer', () => {
    const padded = Buffer.alloc(file.length + 1);
    padded.set(file, 1);
    const a = decodeCapture(padded.subarray(1));
    const b = decodeCapture(file.buffer.slice(file.byteOffset, file.byteOffset + file.length) as ArrayBuffer);
    assert.deepEqual(Array.from(a.examples[2].paths.intact.answerToLatent.data), Array.from(b.examples[2].paths.intact.answerToLatent.data));
  });

  it('puts the data section and every array on a 4-byte boundary', () => {
    const { index, dataStart } = readCaptureIndex(file);
    assert.equal(dataStart % 4, 0);
    for (const ex of index.examples) assert.equal(ex.paths.intact.latentToImage.offset % 4, 0);
  });

  it('names the array, the example and both byte counts when the file is truncated', () => {
    const { index, dataStart } = readCaptureIndex(file);
    const last = index.examples[2].paths.corrupted!.latentToImage;
    const end = dataStart + last.offset + last.byteLength;
    throwsFormat(() => decodeCapture(file.subarray(0, file.length - 10)),
      new RegExp(`^truncated: array latentToImage \\(corrupted path\\) of example 2 ends at byte ${end} but the file has ${file.length - 10} bytes$`));
    throwsFormat(() => decodeCapture(file.subarray(0, 40)), /^truncated: the JSON index ends at byte \d+ but the file has 40 bytes$/);
    throwsFormat(() => decodeCapture(file.subarray(0, 5)), /^truncated: the file has 5 bytes/);
  });

  it('refuses a file with bad magic', () => {
    const bad = file.slice();
    bad[0] = 0x50;   // 'P'
    throwsFormat(() => decodeCapture(bad), /^bad magic: not a Latent Lab capture .*found 50 4c 43 41 50 00/);
  });

  it('refuses another format version and says what to do', () => {
    const bad = file.slice();
    new DataView(bad.buffer).setUint16(6, 2, true);
    throwsFormat(() => decodeCapture(bad), /^unsupported capture version 2: this reader understands version 1/);
  });

  it('refuses an index that lies about shapes', () => {
    // A shape that disagrees with answerRows (A = 4).
    const wrongShape = withIndex(file, (ix) => { ix.examples[1].paths.intact.answerToLatent.shape = [3, 2, 5, 5]; });
    throwsFormat(() => decodeCapture(wrongShape), /^index lies about shapes: examples\[1\]\.paths\.intact\.answerToLatent\.shape is \[3, 2, 5, 5\] but \[L, h, A, K\] = \[3, 2, 4, 5\]/);
    // A byteLength that disagrees with the shape.
    const wrongBytes = withIndex(file, (ix) => { ix.examples[0].image.byteLength -= 3; });
    throwsFormat(() => decodeCapture(wrongBytes), /^index lies about shapes: examples\[0\]\.image\.byteLength is \d+ but shape \[32, 32, 3\] of uint8 needs 3072 bytes$/);
    // Two arrays pointing at the same bytes.
    const overlap = withIndex(file, (ix) => { ix.examples[0].paths.intact.latentToImage.offset = ix.examples[0].paths.intact.answerToLatent.offset; });
    throwsFormat(() => decodeCapture(overlap), /^index lies: array (answerToLatent|latentToImage) of example 0 .* overlaps/);
    // A latent column that is not a latent position.
    const wrongSegment = withIndex(file, (ix) => { ix.examples[2].latentCols[0] = 0; });
    throwsFormat(() => decodeCapture(wrongSegment), /^examples\[2\]\.latentCols\[0\] = 0 is not a latent position/);
  });

  it('refuses an index that is not JSON', () => {
    const bad = file.slice();
    bad[12] = 0x7d;   // '}' where '{' should be
    throwsFormat(() => decodeCapture(bad), /^the JSON index \(bytes 12\.\.\d+\) is not valid UTF-8 JSON/);
  });

  it('encoder refuses data that does not match the shape', () => {
    const broken = syntheticCapture({ examples: 1 });
    broken.examples[0].paths.intact.answerToLatent.shape = [4, 4, 6, 9];
    throwsFormat(() => encodeCapture(broken), /^encode: array answerToLatent of example 0 has shape \[4, 4, 6, 9\] \(864 elements\) but 768 values$/);
  });

  it('validates a good index against the JSON schema and reports a bad one by field', () => {
    const { index } = readCaptureIndex(file);
    assert.deepEqual(validateCaptureIndex(index), []);
    const bad = JSON.parse(JSON.stringify(index)) as Record<string, unknown> & CaptureIndex;
    (bad.examples[1] as unknown as Record<string, unknown>).correct = 'yes';
    bad.examples[0].paths.intact.answerToLatent.dtype = 'uint8';
    delete (bad.run as Partial<CaptureIndex['run']>).name;
    const problems = validateCaptureIndex(bad);
    assert.ok(problems.some((p) => p.startsWith('index.examples[1].correct: must be boolean')), problems.join('\n'));
    assert.ok(problems.some((p) => p.startsWith('index.examples[0].paths.intact.answerToLatent.dtype')), problems.join('\n'));
    assert.ok(problems.some((p) => p.startsWith('index.run: must have required property \'name\'')), problems.join('\n'));
  });

  it('headView reduces heads: single head, mean and max', () => {
    const arr = { dtype: 'float32' as const, shape: [2, 2, 1, 3], data: new Float32Array([0, 0, 0, 0, 0, 0, 1, 5, 3, 3, 1, 7]) };
    assert.deepEqual(Array.from(headView(arr, 1, 0)), [1, 5, 3]);
    assert.deepEqual(Array.from(headView(arr, 1, 'mean')), [2, 3, 5]);
    assert.deepEqual(Array.from(headView(arr, 1, 'max')), [3, 5, 7]);
    assert.throws(() => headView(arr, 2, 0), RangeError);
  });
});
