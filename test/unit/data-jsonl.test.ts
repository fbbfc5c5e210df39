// The user's JSONL data: decoding, resizing, and every bad line reported with file and line.

import * as assert from 'assert';
import * as path from 'path';
import { JsonlSpec } from '../../src/core/experiment';
import { decodeImage, loadImageFile } from '../../src/engine/data/image';
import { loadJsonl } from '../../src/engine/data/jsonl';
import { generateSplits } from '../../src/engine/data/splits';
import { Tokenizer } from '../../src/engine/data/tokenizer';

const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/data');
const IMAGES = path.join(FIXTURES, 'images');
const opts = (onError: 'skip' | 'fail') => ({ imageRoot: IMAGES, imageSize: 8, onError, displayName: 'mixed.jsonl' });
const pixel = (img: Float32Array, size: number, x: number, y: number): number[] => Array.from(img.subarray((y * size + x) * 3, (y * size + x) * 3 + 3));

describe('data: images', () => {
  it('decodes PNG (alpha dropped) and resizes by area average', () => {
    const img = loadImageFile(path.join(IMAGES, 'red-blue.png'), 4);   // 12×8 → 4×4: left half red, right half blue
    assert.deepStrictEqual(pixel(img, 4, 0, 0), [1, 0, 0]);
    assert.deepStrictEqual(pixel(img, 4, 3, 3), [0, 0, 1]);
    // 12 → 5 columns: output column 2 covers source columns 4.8–7.2, 1.2 of red and 1.2 of blue.
    const mid = pixel(loadImageFile(path.join(IMAGES, 'red-blue.png'), 5), 5, 2, 2);
    assert.ok(Math.abs(mid[0] - 0.5) < 1e-5 && Math.abs(mid[2] - 0.5) < 1e-5, `mixed pixel ${mid}`);
  });

  it('decodes grayscale PNG to three equal channels, and enlarges bilinearly', () => {
    const img = loadImageFile(path.join(IMAGES, 'gray.png'), 8);   // 4×4: top half black, bottom white
    assert.deepStrictEqual(pixel(img, 8, 0, 0), [0, 0, 0]);
    assert.deepStrictEqual(pixel(img, 8, 5, 7), [1, 1, 1]);
    const edge = pixel(img, 8, 3, 3);   // between the halves: interpolated, not copied
    assert.ok(edge[0] > 0 && edge[0] < 1 && edge[0] === edge[1] && edge[1] === edge[2], `edge ${edge}`);
  });

  it('decodes a JPEG made by jpeg-js', () => {
    const [r, g, b] = pixel(loadImageFile(path.join(IMAGES, 'green.jpg'), 8), 8, 4, 4);
    assert.ok(g > 0.7 && r < 0.2 && b < 0.25, `green pixel ${[r, g, b]}`);
  });

  it('says what is wrong with a file that is not a usable image', () => {
    assert.throws(() => loadImageFile(path.join(IMAGES, 'corrupt.png'), 8), /not a readable PNG/);
    assert.throws(() => loadImageFile(path.join(IMAGES, 'truncated.jpg'), 8), /not a readable JPEG/);
    assert.throws(() => loadImageFile(path.join(IMAGES, 'not-an-image.png'), 8), /neither PNG nor JPEG/);
    assert.throws(() => loadImageFile(path.join(IMAGES, 'nope.png'), 8), /no such file/);
    assert.throws(() => decodeImage(new Uint8Array(0)), /empty/);
  });
});

describe('data: JSONL loader', () => {
  it('loads good lines: normalised text, options alias, rationale string split into steps', async () => {
    const { examples, problems } = await loadJsonl(path.join(FIXTURES, 'good.jsonl'), { ...opts('fail'), displayName: 'good.jsonl' });
    assert.deepStrictEqual(problems, []);
    assert.strictEqual(examples.length, 3);
    const [first, second, third] = examples;
    assert.strictEqual(first.question, 'what colour is the left half?');
    assert.deepStrictEqual(first.choices, ['red', 'blue']);
    assert.strictEqual(first.answer, 'red');
    assert.deepStrictEqual(first.rationale, ['i look at the left half.', 'it is red.']);
    assert.deepStrictEqual(second.rationale, ['the image is one colour.', 'it is green.']);
    assert.deepStrictEqual(third.choices, ['yes', 'no']);
    assert.deepStrictEqual(third.rationale, []);
    assert.strictEqual(first.task, 'jsonl');
    assert.strictEqual(first.image.length, 8 * 8 * 3);
    assert.strictEqual(new Set(examples.map((e) => e.id)).size, 3);
    const t = Tokenizer.fromExamples(examples);
    for (const e of examples) assert.strictEqual(t.decode(t.encode(e.answer)), e.answer);
  });

  it('on_error skip: keeps the good lines and reports each bad one as file:line with what to do', async () => {
    const { examples, problems } = await loadJsonl(path.join(FIXTURES, 'mixed.jsonl'), opts('skip'));
    assert.deepStrictEqual(examples.map((e) => e.id), ['mixed.jsonl:1', 'mixed.jsonl:7']);
    const expected: [number, RegExp][] = [
      [2, /not valid JSON .*; fix the line or delete it/],
      [3, /missing field "answer"/],
      [4, /image "corrupt.png" .*not a readable PNG.*check the file/],
      [5, /image "missing.png" .*no such file.*image_root/],
      [6, /field "answer" must be a non-empty string, got a number \(quote it\)/],
      [8, /"answer" is not one of "choices"/],
      [10, /image "truncated.jpg" .*not a readable JPEG/],
      [11, /image "not-an-image.png" .*neither PNG nor JPEG/],
    ];
    assert.strictEqual(problems.length, expected.length, problems.join('\n'));
    expected.forEach(([line, pattern], i) => {
      assert.ok(problems[i].startsWith(`mixed.jsonl:${line}: `), problems[i]);
      assert.match(problems[i], pattern);
    });
  });

  it('on_error fail: throws one error listing every problem', async () => {
    await assert.rejects(loadJsonl(path.join(FIXTURES, 'mixed.jsonl'), opts('fail')), (err: Error) => {
      assert.match(err.message, /mixed.jsonl: 8 problem\(s\) \(set data.jsonl.on_error: skip/);
      for (const line of [2, 3, 4, 5, 6, 8, 10, 11]) assert.ok(err.message.includes(`mixed.jsonl:${line}: `), `line ${line} not listed`);
      return true;
    });
  });

  it('names a JSONL file that cannot be read', async () => {
    await assert.rejects(loadJsonl(path.join(FIXTURES, 'absent.jsonl'), { ...opts('skip'), displayName: 'absent.jsonl' }), /absent.jsonl: JSONL file does not exist; check the path in data.jsonl/);
  });
});

describe('data: JSONL splits', () => {
  const data = (jsonl: JsonlSpec) => ({ source: 'jsonl' as const, image_size: 8, answer_format: 'open' as const, tasks: [], jsonl, max_text_tokens: 48 });

  it('resolves paths against the experiment folder and removes val examples that repeat train ones', async () => {
    const spec: JsonlSpec = { train: 'good.jsonl', val: 'val-overlap.jsonl', test: 'good.jsonl', image_root: 'images', on_error: 'skip' };
    const s = await generateSplits(data(spec), 1, FIXTURES);
    assert.strictEqual(s.train.length, 3);
    assert.deepStrictEqual(s.val.map((e) => e.question), ['what colour is the right half?']);
    assert.strictEqual(s.test.length, 0);   // all three repeat train
    assert.ok(s.problems.some((p) => /^val-overlap.jsonl:1: same image and question as good.jsonl:2; removed from val/.test(p)), s.problems.join('\n'));
    assert.strictEqual(s.problems.length, 4);
    await assert.rejects(generateSplits(data({ ...spec, on_error: 'fail' }), 1, FIXTURES), /data.jsonl: 4 problem\(s\)/);
  });

  it('holds val and test out of train when the spec names no file, deterministically', async () => {
    const spec: JsonlSpec = { train: 'mixed.jsonl', image_root: 'images', on_error: 'skip' };
    const a = await generateSplits(data(spec), 3, FIXTURES);
    assert.strictEqual(a.problems.length, 8);
    assert.strictEqual(a.train.length + a.val.length + a.test.length, 2);
    const b = await generateSplits(data(spec), 3, FIXTURES);
    assert.deepStrictEqual([a.train, a.val, a.test].map((x) => x.map((e) => e.id)), [b.train, b.val, b.test].map((x) => x.map((e) => e.id)));
  });

  it('requires the jsonl section when source is jsonl', async () => {
    await assert.rejects(generateSplits({ ...data({ train: 'x', image_root: '.', on_error: 'skip' }), jsonl: undefined }, 1), /data.jsonl: source is jsonl but the jsonl section is missing/);
  });
});
