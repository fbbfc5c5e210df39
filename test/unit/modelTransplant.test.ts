import * as assert from 'node:assert/strict';
import { selectBackend, tf } from '../../src/engine/backend';
import { causalMask } from '../../src/engine/model/masks';
import { SEGMENT } from '../../src/engine/model/segments';
import { disposeBatch, encodeExamples, toBatchTensors, type SequenceLayout } from '../../src/engine/model/sequence';
import { createTinyVlm, type TinyVlm } from '../../src/engine/model/tinyVlm';
import { examples, IMAGE_SIZE, randomImage, smallLatents, smallModel, T, tokenizer } from './modelFixtures';

const layout: SequenceLayout = { T, patchSize: 4, latentCount: 4, placement: 'after_prompt' };

describe('paired latent transplant (CrystaL)', () => {
  let model: TinyVlm;
  before(async () => {
    await selectBackend('wasm', { threads: 1 });
    model = createTinyVlm(smallModel(), smallLatents(), tokenizer.size, T, 11, IMAGE_SIZE);
  });
  after(() => model.dispose());

  /** Rows 0-1 intact, rows 2-3 the same text with other ("corrupted") images. */
  function pairedBatch(corruptSeed: number) {
    const intact = examples(2);
    const corrupted = intact.map((e, i) => ({ ...e, image: randomImage(corruptSeed + i) }));
    const enc = encodeExamples([...intact, ...corrupted], tokenizer, layout);
    return { enc, batch: toBatchTensors(enc, causalMask(enc.segments, 4, T)) };
  }

  function hiddenStates(corruptSeed: number): number[][][][] {
    const { batch } = pairedBatch(corruptSeed);
    const h = tf.tidy(() => model.forward(batch, { returnHidden: true, pairedLatentTransplant: { stopGradient: false } }).hidden!.map((x) => x.arraySync()));
    disposeBatch(batch);
    return h;
  }

  it('after every layer the corrupted rows hold the intact rows\' latent states, whatever the corrupted image', () => {
    const { enc, batch: unused } = pairedBatch(500);
    disposeBatch(unused);
    const runs = [hiddenStates(500), hiddenStates(900)];
    let latentChecked = 0, otherDiffers = 0;
    for (const h of runs) {
      assert.equal(h.length, 2);
      for (const layer of h) {
        for (let b = 0; b < 2; b++) {
          for (let t = 0; t < T; t++) {
            const seg = enc.segments[b * T + t];
            if (seg === SEGMENT.latent) {
              assert.deepEqual(layer[b + 2][t], layer[b][t], `row ${b + 2} position ${t}`);
              latentChecked++;
            } else if (seg === SEGMENT.image && layer[b + 2][t].some((v, k) => v !== layer[b][t][k])) otherDiffers++;
          }
        }
      }
    }
    assert.equal(latentChecked, 2 * 2 * 2 * 4);
    assert.ok(otherDiffers > 0, 'image positions of the corrupted rows should differ from the intact rows');
    // And the transplant is what makes them equal: without it they differ.
    const { batch } = pairedBatch(500);
    const plain = tf.tidy(() => model.forward(batch, { returnHidden: true }).hidden![0].arraySync());
    disposeBatch(batch);
    const t0 = enc.segments.indexOf(SEGMENT.latent);
    assert.notDeepEqual(plain[2][t0], plain[0][t0]);
  });

  it('gradients flow from the corrupted rows into the intact rows through the copy, unless stopGradient', () => {
    const { batch } = pairedBatch(500);
    const intactPatchGrad = (stop: boolean) => tf.tidy(() => {
      const g = tf.grad((p: tf.Tensor) => {
        const logits = model.forward({ ...batch, patches: p as tf.Tensor3D }, { pairedLatentTransplant: { stopGradient: stop } }).logits;
        return tf.sum(tf.square(tf.slice(logits, [2, 0, 0], [2, T, tokenizer.size]))); // corrupted rows only
      })(batch.patches);
      return tf.norm(tf.slice(g, [0, 0, 0], [2, -1, -1])).dataSync()[0];
    });
    assert.ok(intactPatchGrad(false) > 1e-6);
    assert.equal(intactPatchGrad(true), 0);
    disposeBatch(batch);
  });

  it('rejects a batch whose halves differ in layout', () => {
    const enc = encodeExamples(examples(4), tokenizer, layout); // rows 2, 3 have other prompts than rows 0, 1
    const batch = toBatchTensors(enc, causalMask(enc.segments, 4, T));
    assert.throws(() => tf.tidy(() => { model.forward(batch, { pairedLatentTransplant: { stopGradient: false } }); }), /pairedLatentTransplant: row \d and its corrupted twin \d differ in layout at position \d+/);
    disposeBatch(batch);
  });
});
