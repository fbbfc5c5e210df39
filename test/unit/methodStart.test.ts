// Every method starts where the shipped base is (issue 14): a fine-tune of
// models/tiny-vlm-base in the one layout (`prompt <lat>×K <sep> answer`), with
// fresh latent rows and zero LoRA updates, must answer about as the base does in
// its own layout (`prompt <sep> answer`), on the same examples. Before the layout
// change the first answer token was predicted at a latent row (LIVR) or at an
// untrained `<latEnd>` (CrystaL), and those methods started 30 points lower.
//
// Also: in every method's real session no answer token is predicted at a latent
// row, and LIVR's image_twice control builds its two image runs.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { loadExperiment } from '../../src/core/validator';
import { tf } from '../../src/engine/backend';
import { evaluateStartingPoint } from '../../src/engine/eval/startingPoint';
import { SEGMENT } from '../../src/engine/model/segments';
import { startBackend } from '../../src/engine/run';
import { allowExamplesFolder } from './runFixture';
import { buildSession } from '../../src/engine/session';

const EXAMPLES = path.resolve(__dirname, '../../../examples');
const PER_TASK = 60;          // val examples per task: 120 per method, the same 120 for every method
const FEW_POINTS = 0.06;      // "within a few points" of the base's mean accuracy

/** The example file, with its diagnostics off (the starting accuracy is the question here). */
function variantOf(name: string, over: Record<string, unknown> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'll-start-'));
  const file = path.join(dir, `${name}.experiment.yaml`);
  fs.writeFileSync(file, stringify({ extends: path.join(EXAMPLES, `${name}.experiment.yaml`), runtime: { backend: 'wasm' }, eval: { diagnostics: [] }, ...over }));
  return file;
}

describe('each method starts where the base is', function () {
  allowExamplesFolder();   // the temp files extend the repository's examples
  this.timeout(600000);
  const files: string[] = [];
  after(() => { for (const f of files) fs.rmSync(path.dirname(f), { recursive: true, force: true }); });

  it('sft, livr (K 16), the latents-only control and crystal (K 8) start within a few points of the base', async () => {
    const start = async (name: string) => {
      const file = variantOf(name);
      files.push(file);
      const [p] = await evaluateStartingPoint(file, { split: 'val', maxExamples: PER_TASK });
      return p.record.mean_accuracy;
    };
    const base = await start('sft');
    assert.ok(base > 0.2, `the base answers above chance in its own layout (${base})`);
    for (const name of ['livr', 'livr-latents-only', 'crystal']) {
      const acc = await start(name);
      assert.ok(Math.abs(acc - base) <= FEW_POINTS, `${name} starts at ${(100 * acc).toFixed(1)}%, the base (sft layout) at ${(100 * base).toFixed(1)}%`);
    }
  });

  it('in every method\'s session no answer token is predicted at a latent row', async () => {
    for (const name of ['livr', 'crystal', 'valr']) {
      const file = variantOf(name, { data: { tasks: [{ name: 'counting', train: 8, val: 4, test: 4 }] } });
      files.push(file);
      const cfg = loadExperiment(file);
      await startBackend(cfg);
      const before = tf.memory().numTensors;
      const session = await buildSession(cfg);
      const enc = session.encode(session.splits.train.slice(0, 4));
      let predictions = 0;
      for (let i = 0; i < enc.B * enc.T; i++) {
        if (enc.lossMask[i] === 0) continue;
        predictions += 1;
        assert.notEqual(enc.segments[i], SEGMENT.latent, `${name}: position ${i % enc.T} predicts an answer-segment token from a latent row`);
      }
      assert.ok(predictions >= 8, `${name}: the batch trains its answers`);
      session.dispose();
      assert.equal(tf.memory().numTensors, before, `${name}: the session leaves no tensor`);
    }
  });

  it('LIVR\'s image_twice control: K = 0 and a second image run before the <sep>', async () => {
    const file = variantOf('livr', { data: { tasks: [{ name: 'counting', train: 8, val: 4, test: 4 }] }, method: { livr: { image_twice: true } } });
    files.push(file);
    const cfg = loadExperiment(file);
    await startBackend(cfg);
    const session = await buildSession(cfg);
    try {
      assert.equal(session.layout.latentCount, 0);
      const enc = session.encode(session.splits.train.slice(0, 2));
      const row = Array.from(enc.segments.subarray(0, enc.T));
      const runs = row.filter((s, t) => s === SEGMENT.image && (t === 0 || row[t - 1] !== SEGMENT.image)).length;
      assert.equal(runs, 2);
      assert.equal(row.filter((s) => s === SEGMENT.image).length, 2 * enc.P);
      const { evaluate } = await import('../../src/engine/eval/evaluate');
      const r = await evaluate(session, 'val', { step: 0, maxExamples: 4, diagnostics: ['bottleneck_mask'] });
      assert.ok(r.diagnostics.bottleneck_mask !== undefined);
    } finally {
      session.dispose();
    }
  });
});
