// An answer word the vocabulary lacks is encoded as <unk>; a model that predicts <unk>
// there must not be scored correct (the issue: digits 0, 7, 8, 9 outside a base's
// vocabulary reached 95% by predicting <unk>).
import * as assert from 'node:assert/strict';
import { selectBackend, tf } from '../../src/engine/backend';
import { Tokenizer } from '../../src/engine/data/tokenizer';
import { exactMatch } from '../../src/engine/eval/evaluate';
import type { EncodedBatch } from '../../src/engine/model/sequence';

/** One row: positions 1 and 2 are scored (the answer word and <eos>); logits put all mass on `predicted`. */
async function scoreRow(targets: number[], predicted: number[], vocab = 12): Promise<number> {
  const T = targets.length;
  const enc = { B: 1, T, targets: Int32Array.from(targets), lossMask: Float32Array.from([0, 1, 1]) } as unknown as EncodedBatch;
  const logits = tf.tidy(() => tf.oneHot(tf.tensor1d(predicted, 'int32'), vocab).toFloat().reshape([1, T, vocab]) as tf.Tensor3D);
  try {
    return (await exactMatch(logits, enc))[0];
  } finally {
    logits.dispose();
  }
}

describe('evaluation scoring of <unk>', () => {
  before(async () => { await selectBackend('wasm', { threads: 1 }); });

  it('a <unk> answer predicted as <unk> is wrong; a known word predicted exactly is right', async () => {
    const before = tf.memory().numTensors;
    const word = 10;
    assert.equal(await scoreRow([9, word, Tokenizer.EOS], [9, word, Tokenizer.EOS]), 1);
    assert.equal(await scoreRow([9, Tokenizer.UNK, Tokenizer.EOS], [9, Tokenizer.UNK, Tokenizer.EOS]), 0);
    assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
  });
});
