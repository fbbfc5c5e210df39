// `inspect` on a crystal checkpoint: user JSONL with PNG images → a capture
// with both paths, every layer, answer→all rows and the four loss terms.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { decodeCapture, readCaptureIndex } from '../../src/core/capture';
import { validateCaptureIndex } from '../../src/core/capture/schema';
import type { ExperimentConfig } from '../../src/core/experiment';
import { runPaths } from '../../src/core/runLayout';
import { tf } from '../../src/engine/backend';
import { loadCheckpoint } from '../../src/engine/checkpoint';
import { inspectCheckpoint } from '../../src/engine/eval/inspect';
import { pairedForward, prepareCrystalBatch } from '../../src/engine/methods/crystal';
import { buildSession } from '../../src/engine/session';
import { trainExperiment } from '../../src/engine/run';
import { tinyExperiment, writeExperiment } from './runFixture';

function writePng(file: string, size: number, colour: [number, number, number]): void {
  const png = new PNG({ width: size, height: size });
  for (let i = 0; i < size * size; i++) png.data.set([...colour, 255], 4 * i);
  fs.writeFileSync(file, PNG.sync.write(png));
}

describe('inspect (crystal checkpoint)', function () {
  this.timeout(60000);
  let dir = '';
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('dumps both paths, every layer and every loss term for the given examples', async () => {
    const file = writeExperiment(tinyExperiment({
      model: { patch_size: 4, d_vision: 32, vision_layers: 1, vision_heads: 2, d_model: 32, layers: 2, heads: 2 },
      method: { kind: 'crystal', crystal: { corruption: { modes: ['mask'], intensity: [0.5, 0.5] } } },
      train: { batch_size: 8, max_steps: 2, checkpoint_every: 0, log_every: 1 }, eval: { diagnostics: [] },
    }));
    dir = path.dirname(file);
    const [r] = await trainExperiment(file, { outDir: path.join(dir, 'run') });
    assert.equal(r.status, 'completed', r.summary.error);
    fs.mkdirSync(path.join(dir, 'imgs'));
    writePng(path.join(dir, 'imgs', 'a.png'), 16, [255, 0, 0]);
    writePng(path.join(dir, 'imgs', 'b.png'), 16, [0, 0, 255]);
    const jsonl = path.join(dir, 'mine.jsonl');
    fs.writeFileSync(jsonl, [
      JSON.stringify({ image: 'imgs/a.png', question: 'how many shapes are there?', answer: '2' }),
      JSON.stringify({ image: 'imgs/b.png', question: 'how many shapes are there?', choices: ['1', '3'], answer: '3' }),
    ].join('\n') + '\n');
    const res = await inspectCheckpoint(path.join(r.runDir, 'checkpoints', 'step-2'), { examples: jsonl, out: path.join(dir, 'dump.llcap') });
    assert.equal(res.examples.length, 2);
    for (const e of res.examples) {
      assert.deepEqual(Object.keys(e.losses).sort(), ['attention', 'ce_corrupted', 'ce_intact', 'kl', 'loss']);
      assert.ok(Object.values(e.losses).every(Number.isFinite));
      assert.ok(e.losses.ce_intact > 0);
    }
    const bytes = new Uint8Array(fs.readFileSync(res.file));
    assert.deepEqual(validateCaptureIndex(readCaptureIndex(bytes).index), []);
    const cap = decodeCapture(bytes);
    assert.equal(cap.model.capturedLayers, undefined, 'every layer');
    const ex = cap.examples[0];
    assert.equal(ex.image.data[0], 255);
    assert.equal(ex.corruption?.mode, 'mask');
    assert.deepEqual(ex.paths.corrupted!.answerToAll!.shape, [2, 2, ex.answerRows.length, ex.tokens.length]);
    // Each answer row of answer→all is a full attention row: it sums to 1.
    const row = ex.paths.intact.answerToAll!.data.subarray(0, ex.tokens.length);
    assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-4);
  });

  it('a capture plus its checkpoint recomputes the same attention (the corrupted pixels are stored exactly)', async () => {
    // Continues from the test above: its run directory and capture file.
    const run = fs.readdirSync(dir).map((d) => path.join(dir, d)).find((d) => fs.existsSync(path.join(d, 'checkpoints')))!;
    const ckptDir = path.join(run, 'checkpoints', 'step-2');
    const cap = decodeCapture(new Uint8Array(fs.readFileSync(path.join(dir, 'dump.llcap'))));
    const cfg = JSON.parse(fs.readFileSync(runPaths(run).config, 'utf8')) as ExperimentConfig;
    const ckpt = loadCheckpoint(ckptDir);
    const session = await buildSession(cfg, { tokenizerJson: ckpt.tokenizer });
    try {
      session.loadWeights(ckpt.weights, true);
      const stored = cap.examples[1];
      assert.ok(stored.imagePixels && stored.corruptedImagePixels, 'both paths\' pixels are stored as float32');
      // Nothing but the capture: its question, choices from its tokens' prompt, and its pixels.
      const ex = { id: stored.id, task: stored.task, question: 'how many shapes are there?', choices: ['1', '3'], answer: stored.answer,
        rationale: [], imageSize: 16, image: stored.imagePixels!.data };
      const corrupted = { examples: [{ ...ex, image: stored.corruptedImagePixels!.data }], samples: [{ mode: stored.corruption!.mode as 'mask', intensity: stored.corruption!.intensity }] };
      const b = prepareCrystalBatch(session, [ex], corrupted);
      const maps = tf.tidy(() => pairedForward(session.model, b, cfg.method.crystal, true).attention!.map((a) => a.arraySync() as number[][][][]));
      b.dispose();
      const got = stored.paths.corrupted!.answerToLatent;   // [L, h, A, K]
      const [L, h, A, K] = got.shape;
      let maxDiff = 0;
      for (let l = 0; l < L; l++) for (let hh = 0; hh < h; hh++) for (let a = 0; a < A; a++) for (let k = 0; k < K; k++) {
        const want = maps[l][1][hh][stored.answerRows[a]][stored.latentCols[k]];   // row 1: the corrupted path
        maxDiff = Math.max(maxDiff, Math.abs(got.data[((l * h + hh) * A + a) * K + k] - want));
      }
      assert.equal(maxDiff, 0, 'the same pixels through the same weights give the same maps');
    } finally {
      session.dispose();
    }
  });
});
