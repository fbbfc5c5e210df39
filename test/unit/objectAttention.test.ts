// eval.diagnostics `answer_object_attention` (src/engine/eval/objectAttention.ts): the
// numbers evaluate() reports are the documented quantity, recomputed here from the
// captured attention maps with plain loops; examples without a named object count
// nothing; no tensor is left behind.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeEval } from '../../src/core/events';
import { loadExperiment } from '../../src/core/validator';
import { tf } from '../../src/engine/backend';
import type { Example } from '../../src/engine/data/example';
import { evaluate } from '../../src/engine/eval/evaluate';
import { examplesToScore } from '../../src/engine/eval/scoring';
import { patchesOf } from '../../src/engine/methods/grounding';
import { causalMask } from '../../src/engine/model/masks';
import { SEGMENT } from '../../src/engine/model/segments';
import { answerSpan } from '../../src/engine/model/sequence';
import { startBackend } from '../../src/engine/run';
import { buildSession, type Session } from '../../src/engine/session';
import { tinyExperiment, writeExperiment } from './runFixture';

interface Expected { object: number; image: number; uniform: number; examples: number }

/** The diagnostic by definition: per example with a focus, mean over answer rows, layers and heads. */
function direct(session: Session, examples: Example[]): Expected {
  const { imageSize, patchSize } = session.model.shape;
  const grid = imageSize / patchSize;
  const enc = session.encode(examples);
  const maps = tf.tidy(() => session.model.forward(session.tensors(enc, causalMask(enc.segments, enc.B, enc.T)), { captureAttention: true }).attention!
    .map((a) => ({ values: a.dataSync() as Float32Array, heads: a.shape[1] })));
  const { T } = enc;
  const sum = { object: 0, image: 0, uniform: 0, examples: 0 };
  examples.forEach((ex, b) => {
    const image: number[] = [];
    for (let t = 0; t < T; t++) if (enc.segments[b * T + t] === SEGMENT.image) image.push(t);
    const focus = new Set<number>();
    for (const box of ex.focus ?? []) for (const p of patchesOf(box, imageSize, patchSize)) focus.add(image[p]);
    const span = answerSpan(enc, b);
    if (focus.size === 0 || !span) return;
    const rows = Math.max(1, span.last - span.first);   // the rows predicting answer tokens, not <eos>
    let object = 0, onImage = 0;
    for (const { values, heads } of maps) {
      for (let h = 0; h < heads; h++) {
        for (let r = span.first; r < span.first + rows; r++) {
          const row = values.subarray(((b * heads + h) * T + r) * T, ((b * heads + h) * T + r + 1) * T);
          for (const c of image) { onImage += row[c]; if (focus.has(c)) object += row[c]; }
        }
      }
    }
    const per = rows * maps.length * maps[0].heads;
    sum.object += object / per;
    sum.image += onImage / per;
    sum.uniform += focus.size / (grid * grid);
    sum.examples += 1;
  });
  const n = Math.max(1, sum.examples);
  return { object: sum.object / n, image: sum.image / n, uniform: sum.uniform / n, examples: sum.examples };
}

describe('answer_object_attention diagnostic', function () {
  this.timeout(120000);
  let session: Session;
  let dir: string;

  before(async () => {
    const file = writeExperiment(tinyExperiment({
      data: { image_size: 16, max_text_tokens: 24, tasks: [{ name: 'find', train: 16, val: 12, test: 4 }, { name: 'colour', train: 16, val: 12, test: 4 }] },
      model: { patch_size: 4, d_vision: 32, vision_layers: 1, vision_heads: 2, d_model: 32, layers: 2, heads: 2 },
      method: { kind: 'sft' },
      latents: { count: 0 },
      eval: { diagnostics: ['answer_object_attention'] },
    }));
    dir = path.dirname(file);
    const cfg = loadExperiment(file);
    await startBackend(cfg);
    session = await buildSession(cfg);
  });
  after(() => { session?.dispose(); fs.rmSync(dir, { recursive: true, force: true }); });

  it('reports the answer rows\' mass on the named object and on the image, as defined, over batches, leaving no tensor', async () => {
    const before = tf.memory().numTensors;
    const r = await evaluate(session, 'val', { step: 0, maxExamples: 0, diagnostics: ['answer_object_attention'], batchSize: 5 });
    assert.equal(tf.memory().numTensors, before);
    const got = r.diagnostics.answer_object_attention!;
    const want = direct(session, examplesToScore(session.splits.val, 'val', 0));
    assert.equal(got.examples, 24);   // every find and colour example names its object
    assert.equal(got.examples, want.examples);
    for (const k of ['object', 'image', 'uniform'] as const) assert.ok(Math.abs(got[k] - want[k]) < 1e-5, `${k}: ${got[k]} vs ${want[k]}`);
    // One or a few of the 16 patches, and the answer rows spread attention over text and image too.
    assert.ok(got.uniform > 0 && got.uniform < 0.5, `uniform ${got.uniform}`);
    assert.ok(got.object > 0 && got.object < got.image && got.image < 1, JSON.stringify(got));
    assert.match(describeEval(r).join('\n'), /answer→object attention: [\d.]+ on the named object, [\d.]+ on the image: [\d.]+% of it \(spread evenly [\d.]+%\), 24 examples/);
  });

  it('counts nothing for examples that name no object (user data), and says so', async () => {
    const bare = { ...session, splits: { ...session.splits, val: session.splits.val.map((e) => ({ ...e, focus: undefined })) } };
    const r = await evaluate(bare, 'val', { step: 0, maxExamples: 0, diagnostics: ['answer_object_attention'] });
    assert.deepEqual(r.diagnostics.answer_object_attention, { object: 0, image: 0, uniform: 0, examples: 0 });
    assert.match(describeEval(r).join('\n'), /answer→object attention: no evaluated example names an object/);
  });
});
