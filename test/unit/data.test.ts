// Synthetic tasks and splits: valid examples, balanced answers, determinism, disjoint splits.

import * as assert from 'assert';
import { DataConfig, SYNTHETIC_TASKS, SyntheticTaskName } from '../../src/core/experiment';
import { OBJECT_COLOURS, PALETTE, SHAPES, SHAPE_PLURAL } from '../../src/engine/data/canvas';
import { QUADRANTS } from '../../src/engine/data/tasks/common';
import { contentHash } from '../../src/engine/data/contentHash';
import { Example } from '../../src/engine/data/example';
import { Rng } from '../../src/engine/data/rng';
import { generateSplits } from '../../src/engine/data/splits';
import { TASKS } from '../../src/engine/data/tasks';

function config(tasks: { name: SyntheticTaskName; train: number; val: number; test: number }[], imageSize = 32, format: DataConfig['answer_format'] = 'multiple_choice'): DataConfig {
  return { source: 'synthetic', image_size: imageSize, answer_format: format, tasks, max_text_tokens: 48 };
}

function sample(task: SyntheticTaskName, n: number, format: DataConfig['answer_format'] = 'multiple_choice', size = 32): Example[] {
  const rng = Rng.fromSeed(7, 'test', task);
  return Array.from({ length: n }, () => TASKS[task].generate(rng, size, format));
}

/** The question with colour and shape words replaced, so "how many red squares" and "how many blue circles" share a template. */
function template(question: string): string {
  const words = new Set<string>([...OBJECT_COLOURS, ...SHAPES, ...Object.values(SHAPE_PLURAL), 'a', 'an']);
  return question.split(' ').map((w) => { const bare = w.replace(/[?.,]$/, ''); return words.has(bare) ? '_' + w.slice(bare.length) : w; }).join(' ');
}

describe('data: rng', () => {
  it('is deterministic per seed and labels, and streams differ', () => {
    const draw = (r: Rng): number[] => Array.from({ length: 5 }, () => r.nextUint32());
    assert.deepStrictEqual(draw(Rng.fromSeed(3, 'data')), draw(Rng.fromSeed(3, 'data')));
    assert.notDeepStrictEqual(draw(Rng.fromSeed(3, 'data')), draw(Rng.fromSeed(4, 'data')));
    assert.notDeepStrictEqual(draw(Rng.fromSeed(3, 'data')), draw(Rng.fromSeed(3, 'init')));
  });

  it('fork depends on the key, not on how much was drawn', () => {
    const a = Rng.fromSeed(1), b = Rng.fromSeed(1);
    for (let i = 0; i < 10; i++) b.next();
    assert.deepStrictEqual(a.fork('x').getState(), b.fork('x').getState());
    assert.deepStrictEqual(a.fork('x').getState(), Rng.fromSeed(1, 'x').getState());
  });

  it('getState/setState resumes exactly', () => {
    const r = Rng.fromSeed(9, 'dropout');
    r.normal();
    const saved = r.getState();
    const expected = [r.next(), r.int(10), r.normal()];
    const resumed = Rng.fromSeed(0);
    resumed.setState(saved);
    assert.deepStrictEqual([resumed.next(), resumed.int(10), resumed.normal()], expected);
    assert.throws(() => resumed.setState([1, 2]), /5 unsigned 32-bit integers/);
  });

  it('int, shuffle and normal have the right ranges and moments', () => {
    const r = Rng.fromSeed(5);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 6000; i++) counts[r.int(6)]++;
    for (const c of counts) assert.ok(c > 850 && c < 1150, `int(6) counts ${counts}`);
    assert.deepStrictEqual(r.shuffle([1, 2, 3, 4, 5]).sort(), [1, 2, 3, 4, 5]);
    const xs = Array.from({ length: 5000 }, () => r.normal());
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
    assert.ok(Math.abs(mean) < 0.06 && Math.abs(variance - 1) < 0.08, `mean ${mean} variance ${variance}`);
  });
});

describe('data: task generators', () => {
  for (const task of SYNTHETIC_TASKS) {
    it(`${task}: valid examples in both answer formats`, () => {
      for (const format of ['multiple_choice', 'open'] as const) {
        for (const ex of sample(task, 60, format)) {
          assert.strictEqual(ex.task, task);
          assert.strictEqual(ex.image.length, 32 * 32 * 3);
          assert.ok(ex.image.every((v) => v >= 0 && v <= 1 && Number.isFinite(v)), 'pixels in [0, 1]');
          assert.match(ex.question, /^[a-z0-9 ,.?]+$/, 'lower-case question');
          assert.ok(ex.answer.length > 0 && /^[a-z0-9 ]+$/.test(ex.answer), `answer ${JSON.stringify(ex.answer)}`);
          assert.ok(ex.rationale.length >= 2 && ex.rationale.length <= 4, `rationale of ${ex.rationale.length} steps`);
          assert.ok(ex.rationale.every((s) => s.length > 0));
          if (format === 'multiple_choice') {
            assert.ok(ex.choices && ex.choices.length >= 2 && ex.choices.includes(ex.answer), 'answer among choices');
            assert.strictEqual(new Set(ex.choices).size, ex.choices.length, 'distinct choices');
          } else {
            assert.strictEqual(ex.choices, undefined);
          }
        }
      }
    });

    it(`${task}: the answer is not predictable from the question`, () => {
      const examples = sample(task, 600);
      const byTemplate = new Map<string, string[]>();
      const byQuestion = new Map<string, Set<string>>();
      const answerSlot = new Map<number, number>();
      for (const ex of examples) {
        const t = template(ex.question);
        byTemplate.set(t, [...(byTemplate.get(t) ?? []), ex.answer]);
        byQuestion.set(ex.question, (byQuestion.get(ex.question) ?? new Set()).add(ex.answer));
        const slot = ex.choices!.indexOf(ex.answer);
        answerSlot.set(slot, (answerSlot.get(slot) ?? 0) + 1);
      }
      for (const [t, answers] of byTemplate) {
        if (answers.length < 30) continue;
        const counts = new Map<string, number>();
        answers.forEach((a) => counts.set(a, (counts.get(a) ?? 0) + 1));
        const top = Math.max(...counts.values()) / answers.length;
        assert.ok(top <= 0.6, `template "${t}": most common answer has share ${top.toFixed(2)}`);
      }
      for (const [q, answers] of byQuestion) {
        const n = examples.filter((e) => e.question === q).length;
        if (n >= 20) assert.ok(answers.size >= 2, `question "${q}" always has answer ${[...answers][0]}`);
      }
      // Multiple choice: the correct choice is not always in the same place.
      const topSlot = Math.max(...answerSlot.values()) / examples.length;
      assert.ok(topSlot <= 0.6, `answer sits in one choice slot ${(topSlot * 100).toFixed(0)}% of the time`);
    });

    it(`${task}: images differ between examples`, () => {
      const hashes = new Set(sample(task, 50).map((e) => contentHash(e.image, '')));
      assert.ok(hashes.size >= 45, `only ${hashes.size} distinct images of 50`);
    });
  }

  it('find: the named colour is drawn in the answer quadrant and nowhere else', () => {
    const rng = Rng.fromSeed(5);
    for (let n = 0; n < 40; n++) {
      const e = TASKS.find.generate(rng, 32, 'open');
      const colour = /^where is the (\w+) object\?$/.exec(e.question)![1] as keyof typeof PALETTE;
      const [r, g, b] = PALETTE[colour];
      const quadrants = new Set<string>();
      for (let y = 0; y < 32; y++) {
        for (let x = 0; x < 32; x++) {
          const i = (y * 32 + x) * 3;
          if (Math.abs(e.image[i] - r) + Math.abs(e.image[i + 1] - g) + Math.abs(e.image[i + 2] - b) < 0.03) {
            quadrants.add(QUADRANTS[(y < 16 ? 0 : 2) + (x < 16 ? 0 : 1)]);
          }
        }
      }
      assert.deepEqual([...quadrants], [e.answer], `${e.question} → ${e.answer}`);
    }
  });

  it('rejects an image size too small for the task, naming the task and the field', () => {
    assert.throws(() => TASKS.small_object.generate(Rng.fromSeed(1), 16, 'open'), /small_object needs data.image_size ≥ 32/);
  });

  it('draws at larger image sizes too', () => {
    for (const task of SYNTHETIC_TASKS) {
      const ex = sample(task, 3, 'open', 64)[0];
      assert.strictEqual(ex.image.length, 64 * 64 * 3);
    }
  });
});

describe('data: splits', () => {
  const tasks = SYNTHETIC_TASKS.map((name) => ({ name, train: 40, val: 10, test: 10 }));

  it('same seed → identical splits, bit for bit; different seed → different', async () => {
    const a = await generateSplits(config(tasks), 11);
    const b = await generateSplits(config(tasks), 11);
    const c = await generateSplits(config(tasks), 12);
    for (const split of ['train', 'val', 'test'] as const) {
      assert.strictEqual(a[split].length, b[split].length);
      a[split].forEach((ex, i) => {
        const other = b[split][i];
        assert.strictEqual(ex.id, other.id);
        assert.strictEqual(ex.question, other.question);
        assert.deepStrictEqual(ex.choices, other.choices);
        assert.ok(Buffer.from(ex.image.buffer).equals(Buffer.from(other.image.buffer)), `${ex.id} image differs`);
      });
    }
    const same = a.train.filter((ex, i) => contentHash(ex.image, ex.question) === contentHash(c.train[i].image, c.train[i].question));
    assert.ok(same.length < a.train.length / 10, `${same.length} of ${a.train.length} examples equal across seeds`);
  });

  it('has the requested sizes, unique ids and no (image, question) shared between splits', async () => {
    const s = await generateSplits(config(tasks), 3);
    assert.strictEqual(s.train.length, 40 * tasks.length);
    assert.strictEqual(s.val.length, 10 * tasks.length);
    assert.strictEqual(s.test.length, 10 * tasks.length);
    const all = [...s.train, ...s.val, ...s.test];
    assert.strictEqual(new Set(all.map((e) => e.id)).size, all.length);
    const keys = all.map((e) => contentHash(e.image, e.question));
    assert.strictEqual(new Set(keys).size, keys.length);
    assert.deepStrictEqual(s.problems, []);
  });

  it('keeps the test set fixed when the training set grows', async () => {
    const small = await generateSplits(config([{ name: 'counting', train: 10, val: 5, test: 20 }]), 5);
    const large = await generateSplits(config([{ name: 'counting', train: 200, val: 5, test: 20 }]), 5);
    assert.deepStrictEqual(small.test.map((e) => e.question + e.answer), large.test.map((e) => e.question + e.answer));
  });

  it('fails with a clear error when the task space is too small for the requested size', async () => {
    // A single object in an 8×8 image has only a few hundred distinct renderings.
    await assert.rejects(generateSplits(config([{ name: 'shape', train: 5000, val: 0, test: 0 }], 8), 1),
      /task shape ran out of distinct examples.*too small for the requested size/);
  });

  it('rejects an image size a task cannot draw', async () => {
    await assert.rejects(generateSplits(config([{ name: 'small_object', train: 1, val: 0, test: 0 }], 16), 1), /data.image_size ≥ 32/);
  });
});
