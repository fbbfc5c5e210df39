// Word-level tokenizer: fixed special ids, deterministic vocabulary, answers round-trip.

import * as assert from 'assert';
import { SYNTHETIC_TASKS } from '../../src/core/experiment';
import { Example } from '../../src/engine/data/example';
import { Rng } from '../../src/engine/data/rng';
import { TASKS } from '../../src/engine/data/tasks';
import { Tokenizer } from '../../src/engine/data/tokenizer';

function examples(seed: number): Example[] {
  return SYNTHETIC_TASKS.flatMap((task) => {
    const rng = Rng.fromSeed(seed, task);
    return [...Array(40)].map((_, i) => TASKS[task].generate(rng, 32, i % 2 ? 'open' : 'multiple_choice'));
  });
}

describe('tokenizer', () => {
  it('has the special tokens at ids 0..8 in the agreed order', () => {
    const t = Tokenizer.fromExamples([]);
    assert.deepStrictEqual([...Tokenizer.SPECIAL].map((w) => t.id(w)), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepStrictEqual(
      [Tokenizer.PAD, Tokenizer.BOS, Tokenizer.EOS, Tokenizer.IMG, Tokenizer.LAT, Tokenizer.LAT_START, Tokenizer.LAT_END, Tokenizer.UNK, Tokenizer.SEP],
      [0, 1, 2, 3, 4, 5, 6, 7, 8]);
    assert.strictEqual(t.size, 9);
  });

  it('splits words: lower case, punctuation on its own, decimals kept whole', () => {
    const t = Tokenizer.fromExamples([]);
    assert.deepStrictEqual(t.words('How many RED squares, roughly?  3.5.'), ['how', 'many', 'red', 'squares', ',', 'roughly', '?', '3.5', '.']);
    assert.strictEqual(Tokenizer.normalize('How many ,red  squares ?'), 'how many, red squares?');
  });

  it('every generated question, choice, answer and rationale step round-trips', () => {
    const all = examples(1);
    const t = Tokenizer.fromExamples(all);
    for (const ex of all) {
      for (const text of [ex.answer, ex.question, ...(ex.choices ?? []), ...ex.rationale]) {
        const ids = t.encode(text);
        assert.ok(!ids.includes(Tokenizer.UNK), `unknown word in ${JSON.stringify(text)}`);
        assert.strictEqual(t.decode(ids), text);
      }
    }
  });

  it('is deterministic: same words in any order give the same ids; JSON round-trips', () => {
    const all = examples(2);
    const a = Tokenizer.fromExamples(all), b = Tokenizer.fromExamples(all.slice().reverse());
    assert.deepStrictEqual(a.toJSON(), b.toJSON());
    const json = JSON.parse(JSON.stringify(a.toJSON()));
    const c = Tokenizer.fromJSON(json);
    assert.strictEqual(c.size, a.size);
    const text = all[5].question;
    assert.deepStrictEqual(c.encode(text), a.encode(text));
    assert.deepStrictEqual(a.toJSON().words, [...a.toJSON().words].sort());
  });

  it('unknown words become <unk>; decode drops <pad>/<bos>/<eos> and keeps other specials', () => {
    const t = Tokenizer.fromExamples(examples(3));
    assert.deepStrictEqual(t.encode('how many zebras'), [t.id('how'), t.id('many'), Tokenizer.UNK]);
    assert.strictEqual(t.decode([Tokenizer.BOS, t.id('yes'), Tokenizer.EOS, Tokenizer.PAD]), 'yes');
    assert.strictEqual(t.decode([Tokenizer.LAT_START, Tokenizer.LAT, Tokenizer.LAT_END, t.id('yes')]), '<latent> <lat> </latent> yes');
    assert.throws(() => t.decode([t.size]), /outside the vocabulary/);
  });

  it('rejects a damaged saved vocabulary with a clear message', () => {
    assert.throws(() => Tokenizer.fromJSON({ version: 2, words: [] } as unknown as { version: 1; words: string[] }), /expected \{version: 1/);
    assert.throws(() => Tokenizer.fromJSON({ version: 1, words: ['a', 'a'] }), /duplicate word "a"/);
    assert.throws(() => Tokenizer.fromJSON({ version: 1, words: ['<pad>'] }), /duplicate word "<pad>"/);
  });
});
