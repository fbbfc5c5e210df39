import * as assert from 'node:assert/strict';
import { selectBackend, tf } from '../../src/engine/backend';
import { bottleneckMask, causalMask, MASK_BLOCKED } from '../../src/engine/model/masks';
import { SEGMENT } from '../../src/engine/model/segments';
import { withSpeedup } from '../../src/engine/model/speedups';
import { disposeBatch, encodeExamples, toBatchTensors, type EncodedBatch, type SequenceLayout } from '../../src/engine/model/sequence';
import { createTinyVlm, type TinyVlm } from '../../src/engine/model/tinyVlm';
import { examples, IMAGE_SIZE, randomImage, smallLatents, smallModel, T, tokenizer } from './modelFixtures';

const { text: X, image: I, latent: L, answer: A, pad: _ } = SEGMENT;
// <bos> img img prompt prompt lat lat ans ans pad
const seg = Int32Array.from([X, I, I, X, X, L, L, A, A, _]);
const N = seg.length;
const sees = (m: Float32Array, i: number, j: number) => m[i * N + j] === 0;
const cols = (m: Float32Array, i: number) => Array.from({ length: N }, (_, j) => j).filter((j) => sees(m, i, j));

describe('attention masks', () => {
  it('causal: image block bidirectional, text causal, pad blocked except self', () => {
    const m = causalMask(seg, 1, N);
    assert.deepEqual(cols(m, 1), [0, 1, 2]);           // image row sees <bos> and the whole image
    assert.deepEqual(cols(m, 0), [0]);                 // <bos> does not see the image ahead of it
    assert.deepEqual(cols(m, 4), [0, 1, 2, 3, 4]);
    assert.deepEqual(cols(m, 8), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepEqual(cols(m, 9), [9]);                 // pad row: itself only
    assert.ok(!sees(m, 8, 9));
    assert.equal(m[0 * N + 5], MASK_BLOCKED);
  });

  it('bottleneck variants block exactly the documented rows/columns', () => {
    const a = bottleneckMask(seg, 1, N, 'answer_only');
    assert.deepEqual(cols(a, 7), [0, 3, 4, 5, 6, 7]);  // answer: no image
    assert.deepEqual(cols(a, 4), [0, 1, 2, 3, 4]);     // prompt still sees the image
    assert.deepEqual(cols(a, 5), [0, 1, 2, 3, 4, 5]);  // latents see everything before them
    const ap = bottleneckMask(seg, 1, N, 'answer_and_prompt');
    assert.deepEqual(cols(ap, 4), [0, 3, 4]);
    assert.deepEqual(cols(ap, 6), [0, 1, 2, 3, 4, 5, 6]);
    const apl = bottleneckMask(seg, 1, N, 'answer_prompt_latent_to_prompt');
    assert.deepEqual(cols(apl, 6), [1, 2, 5, 6]);      // latents: image and latents only
    assert.deepEqual(cols(apl, 8), [0, 3, 4, 5, 6, 7, 8]);
  });

  it('image_twice: each image run is bidirectional within itself; under the bottleneck the copy plays the latents\' part', () => {
    // <bos> img img prompt prompt img img <sep> ans ans
    const tw = Int32Array.from([X, I, I, X, X, I, I, X, A, A]);
    const c = causalMask(tw, 1, N);
    assert.deepEqual(cols(c, 1), [0, 1, 2]);           // the input image does not see its copy ahead
    assert.deepEqual(cols(c, 5), [0, 1, 2, 3, 4, 5, 6]);
    const ap = bottleneckMask(tw, 1, N, 'answer_and_prompt');
    assert.deepEqual(cols(ap, 7), [0, 3, 4, 5, 6, 7]);  // <sep>: prompt and copy, not the input image
    assert.deepEqual(cols(ap, 6), [0, 1, 2, 3, 4, 5, 6]);
    const apl = bottleneckMask(tw, 1, N, 'answer_prompt_latent_to_prompt');
    assert.deepEqual(cols(apl, 5), [1, 2, 5, 6]);      // the copy, like a latent, cannot see text
  });

  it('builds one mask per example from its own segments', () => {
    const two = Int32Array.from([...seg, X, I, I, X, L, L, A, A, A, _]);
    const m = causalMask(two, 2, N);
    assert.deepEqual(m.subarray(0, N * N), causalMask(seg, 1, N));
    const second = m.subarray(N * N);
    assert.ok(second[9 * N + 9] === 0 && second[8 * N + 8] === 0 && second[8 * N + 7] === 0);
    assert.throws(() => causalMask(seg, 2, N), /expected B·T = 20/);
  });

  it('maskCache: cached blocks are the bits the rules give, for every rule and layout, on a miss and on a hit', () => {
    const tw = Int32Array.from([X, I, I, X, X, I, I, X, A, A]);
    const batch = Int32Array.from([...seg, ...tw, ...seg, X, I, I, X, L, L, A, A, A, _]);   // a repeated layout: a hit
    const builders = [
      (s: Int32Array, b: number) => causalMask(s, b, N),
      ...(['answer_only', 'answer_and_prompt', 'answer_prompt_latent_to_prompt'] as const).map((v) => (s: Int32Array, b: number) => bottleneckMask(s, b, N, v)),
    ];
    for (const build of builders) {
      const plain = withSpeedup('maskCache', false, () => build(batch, 4));
      for (let round = 0; round < 2; round++) assert.deepEqual(withSpeedup('maskCache', true, () => build(batch, 4)), plain);
    }
  });
});

describe('masks in the model', () => {
  const withLatents: SequenceLayout = { T, patchSize: 4, latentCount: 4, placement: 'after_prompt' };
  const removed: SequenceLayout = { ...withLatents, latentCount: 0 };   // LIVR §4.4.1: the latents removed, rows and columns
  let model: TinyVlm;
  before(async () => {
    await selectBackend('wasm', { threads: 1 });
    model = createTinyVlm(smallModel(), smallLatents(), tokenizer.size, T, 3, IMAGE_SIZE);
  });
  after(() => model.dispose());

  /** Largest change, when every image is replaced, of any logit at a row that PREDICTS an answer token (or <eos>). */
  function answerChange(layout: SequenceLayout, mask: (e: EncodedBatch) => Float32Array): number {
    const ex = examples(4);
    const enc = encodeExamples(ex, tokenizer, layout);
    const other = encodeExamples(ex.map((e, i) => ({ ...e, image: randomImage(999 + i) })), tokenizer, layout);
    const run = (e: EncodedBatch) => {
      const batch = toBatchTensors(e, mask(e));
      const out = tf.tidy(() => model.forward(batch).logits.dataSync());
      disposeBatch(batch);
      return out;
    };
    const a = run(enc), b = run(other);
    let max = 0;
    let rows = 0;
    const V = tokenizer.size;
    for (let t = 0; t < 4 * T; t++) {
      if (enc.lossMask[t] === 0) continue;
      rows += 1;
      for (let v = 0; v < V; v++) max = Math.max(max, Math.abs(a[t * V + v] - b[t * V + v]));
    }
    assert.ok(rows >= 8, 'every example predicts at least its answer and <eos>');
    return max;
  }

  it('no answer token is predicted at a latent row', () => {
    const enc = encodeExamples(examples(4), tokenizer, withLatents);
    for (let i = 0; i < enc.B * enc.T; i++) if (enc.lossMask[i] > 0) assert.notEqual(enc.segments[i], SEGMENT.latent, `position ${i % enc.T}`);
  });

  it('bottleneck + latents removed: the image changes no answer logit, exactly, for every variant that promises it', () => {
    for (const v of ['answer_and_prompt', 'answer_prompt_latent_to_prompt'] as const) {
      assert.equal(answerChange(removed, (e) => bottleneckMask(e.segments, e.B, e.T, v)), 0, v);
    }
    assert.ok(answerChange(removed, (e) => causalMask(e.segments, e.B, e.T)) > 1e-4, 'causal: the image reaches the answer');
    // answer_only leaves the prompt rows (and the <sep> that predicts the first answer token) free to read the image.
    const leak = answerChange(removed, (e) => bottleneckMask(e.segments, e.B, e.T, 'answer_only'));
    assert.ok(leak > 1e-4, `answer_only leak ${leak}`);
  });

  it('under the bottleneck with latents the image reaches the answer, through the latents', () => {
    for (const v of ['answer_only', 'answer_and_prompt', 'answer_prompt_latent_to_prompt'] as const) {
      const change = answerChange(withLatents, (e) => bottleneckMask(e.segments, e.B, e.T, v));
      assert.ok(change > 1e-4, `${v}: ${change}`);
    }
  });
});
