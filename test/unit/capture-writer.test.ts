// End to end: a crystal run from examples/crystal.experiment.yaml (tiny
// override) trains, reports corrupted-image accuracy, and writes capture files
// that validate against schemas/capture.schema.json and decode; sft captures
// (K = 0) validate too.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { decodeCapture, readCaptureIndex } from '../../src/core/capture';
import { validateCaptureIndex } from '../../src/core/capture/schema';
import { readMetrics } from '../../src/core/runLayout';
import { tf } from '../../src/engine/backend';
import { trainExperiment } from '../../src/engine/run';
import type { EvalMetrics } from '../../src/core/events';
import { allowExamplesFolder } from './runFixture';

const EXAMPLE = path.resolve(__dirname, '../../../examples/crystal.experiment.yaml');

function tinyOverride(dir: string, extra: Record<string, unknown> = {}): string {
  const doc = {
    extends: EXAMPLE,
    runtime: { backend: 'wasm' },
    data: { image_size: 16, max_text_tokens: 24, tasks: [{ name: 'counting', train: 16, val: 4, test: 4 }, { name: 'spatial_relation', train: 16, val: 4, test: 4 }] },
    // init_from: null drops the example's base (a tiny model of other sizes trains from scratch).
    model: { init_from: null, finetune: { mode: 'full' }, patch_size: 4, d_vision: 32, vision_layers: 1, vision_heads: 2, d_model: 32, layers: 2, heads: 2 },
    latents: { count: 3 },
    train: { epochs: 1, batch_size: 8, log_every: 1, checkpoint_every: 0 },
    eval: { every: 2, max_examples: 4, capture: { examples: 3, layers: [1] } },
    ...extra,
  };
  const file = path.join(dir, 'tiny-crystal.experiment.yaml');
  fs.writeFileSync(file, stringify(doc));
  return file;
}

function checkCaptureFile(file: string, dual: boolean, K: number): void {
  const bytes = new Uint8Array(fs.readFileSync(file));
  const { index } = readCaptureIndex(bytes);
  assert.deepEqual(validateCaptureIndex(index), [], `${file} does not validate against the schema`);
  const cap = decodeCapture(bytes);
  assert.equal(cap.examples.length, 3);
  for (const ex of cap.examples) {
    const A = ex.answerRows.length;
    assert.ok(A > 0);
    assert.equal(ex.latentCols.length, K);
    assert.deepEqual(ex.paths.intact.answerToLatent.shape, [cap.model.capturedLayers?.length ?? cap.model.layers, cap.model.heads, A, K]);
    assert.equal(ex.tokens.length, ex.segments.length);
    assert.ok(ex.tokens.includes('<img>'));
    assert.equal(ex.tokens.filter((t) => t === '<lat>').length, K);
    // Attention rows are probabilities: an answer row's mass over all latents is within [0, 1].
    const a = ex.paths.intact.answerToLatent.data;
    for (const v of a) assert.ok(v >= 0 && v <= 1 + 1e-6);
    assert.equal(ex.paths.corrupted !== undefined, dual);
    assert.equal(ex.corruptedImage !== undefined, dual);
    if (dual) {
      assert.notDeepEqual(Array.from(ex.corruptedImage!.data), Array.from(ex.image.data), 'the corrupted image differs from the image');
      assert.deepEqual(ex.paths.corrupted!.latentToImage.shape, ex.paths.intact.latentToImage.shape);
    }
  }
}

describe('capture writer and crystal runs', function () {
  this.timeout(120000);
  allowExamplesFolder();   // the temp experiments extend examples/crystal.experiment.yaml
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'll-capture-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a crystal run from examples/crystal.experiment.yaml trains, reports corrupted accuracy and writes valid capture files', async () => {
    const [r] = await trainExperiment(tinyOverride(dir), { outDir: path.join(dir, 'crystal-run') });
    assert.equal(r.status, 'completed', r.summary.error);
    const records = readMetrics(r.runDir);
    const train = records.filter((x) => x.type === 'train');
    assert.equal(train.length, 4);
    for (const t of train) {
      if (t.type !== 'train') continue;
      assert.deepEqual(Object.keys(t.terms).sort(), ['attention', 'ce_corrupted', 'ce_intact', 'kl']);
      assert.ok(Object.values(t.terms).every(Number.isFinite));
    }
    const evals = records.filter((x): x is EvalMetrics => x.type === 'eval');
    assert.ok(evals.length >= 2);
    const d = evals[evals.length - 1].diagnostics;
    assert.ok(d.corrupted_images && d.corrupted_images_drop_latents, 'corrupted-image accuracy with and without latents');
    const captures = fs.readdirSync(path.join(r.runDir, 'captures')).sort();
    assert.deepEqual(captures, ['step-2.llcap', 'step-4.llcap']);
    for (const c of captures) checkCaptureFile(path.join(r.runDir, 'captures', c), true, 3);
    assert.equal(tf.memory().numTensors, 0, 'the run freed every tensor');
  });

  it('an sft run writes K = 0 captures that validate', async () => {
    const [r] = await trainExperiment(tinyOverride(dir, { name: 'tiny-sft', method: { kind: 'sft' }, train: { epochs: 1, batch_size: 16, log_every: 1, checkpoint_every: 0 } }), { outDir: path.join(dir, 'sft-run') });
    assert.equal(r.status, 'completed', r.summary.error);
    checkCaptureFile(path.join(r.runDir, 'captures', 'step-2.llcap'), false, 0);
  });
});
