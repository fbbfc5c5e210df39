// CrystaL at the method level on a tiny model: dual-path gradients, path
// equivalence, the transplant, the alignment distances, flat tensor count.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { selectBackend, tf } from '../../src/engine/backend';
import { loadExperiment } from '../../src/core/validator';
import { buildSession, type Session } from '../../src/engine/session';
import { attentionDistance, pairedAlignmentLoss, selectionTensors } from '../../src/engine/methods/alignment';
import { corruptExamples, crystalTerms, pairedForward, prepareCrystalBatch, type CrystalBatch } from '../../src/engine/methods/crystal';
import { SEGMENT } from '../../src/engine/model/segments';
import { SPECIAL } from '../../src/engine/model/sequence';
import type { CrystalConfig } from '../../src/core/experiment';
import { tinyExperiment, writeExperiment } from './runFixture';

const crystalMethod = (crystal: Record<string, unknown> = {}) => ({
  method: {
    kind: 'crystal',
    crystal: { corruption: { modes: ['mask'], intensity: [0.8, 0.8] }, weights: { ce_intact: 1, ce_corrupted: 1, kl: 0.5, attention: 0.5 }, ...crystal },
  },
});

async function session(crystal: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Promise<Session> {
  const file = writeExperiment(tinyExperiment({ ...crystalMethod(crystal), ...extra }));
  try {
    const cfg = loadExperiment(file);
    return await buildSession(cfg);
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

describe('crystal method', function () {
  this.timeout(60000);
  let tensorsAtStart = 0;
  before(async () => { await selectBackend('wasm', { threads: 1 }); tensorsAtStart = tf.memory().numTensors; });
  after(() => { assert.equal(tf.memory().numTensors, tensorsAtStart, 'the crystal tests leave no tensor behind'); });

  it('dual-path gradients reach every trainable variable, and each term is logged on its own', async () => {
    const s = await session();
    const batch = s.method.prepareBatch(s.splits.train.slice(0, 4), 0) as CrystalBatch;
    const params = s.method.trainableVariables(s.model);
    assert.ok(params.size > 10);
    let termNames: string[] = [];
    const { value, grads } = tf.variableGrads(() => {
      const out = s.method.loss(s.model, batch, { step: 0, epoch: 0, totalSteps: 1, config: s.config });
      termNames = Object.keys(out.terms);
      return out.loss;
    }, [...params.values()]);
    assert.deepEqual(termNames.sort(), ['attention', 'ce_corrupted', 'ce_intact', 'kl']);
    assert.ok(Number.isFinite(value.dataSync()[0]));
    for (const [name, v] of params) {
      const g = grads[v.name];
      assert.ok(g, `no gradient for ${name}`);
      const norm = tf.tidy(() => tf.sum(tf.abs(g)).dataSync()[0]);
      assert.ok(norm > 0, `zero gradient for ${name}`);
    }
    value.dispose(); for (const g of Object.values(grads)) g.dispose();
    batch.dispose(); s.dispose();
  });

  it('with identical images and λ_kl = λ_att = 0 both paths give the same logits (and KL is 0); a corrupted image does not', async () => {
    const s = await session({ weights: { ce_intact: 1, ce_corrupted: 1, kl: 0, attention: 0 } });
    const examples = s.splits.train.slice(0, 3);
    const cfg = s.config.method.crystal;
    const pathLogits = (copies: { examples: typeof examples; samples: never[] } | ReturnType<typeof corruptExamples>) => {
      const b = prepareCrystalBatch(s, examples, copies);
      try {
        return tf.tidy(() => {
          const out = pairedForward(s.model, b, cfg, false);
          const [B2, T, V] = out.logits.shape;
          const a = tf.slice(out.logits, [0, 0, 0], [B2 / 2, T, V]).dataSync();
          const c = tf.slice(out.logits, [B2 / 2, 0, 0], [B2 / 2, T, V]).dataSync();
          const t = crystalTerms(out, b, cfg, [0]);
          return { a, c, kl: t.kl.dataSync()[0], ceI: t.ce_intact.dataSync()[0], ceC: t.ce_corrupted.dataSync()[0] };
        });
      } finally {
        b.dispose();
      }
    };
    try {
      const same = pathLogits({ examples: examples.map((e) => ({ ...e, image: e.image.slice() })), samples: [] });
      // The two halves of the [2B] batch are the same arithmetic on the same
      // numbers, but a kernel may block or split rows differently by position
      // and thread count, so float32 sums are reordered: each matmul reduces
      // over K = d_model (32 here) or the vocabulary, so the error is at most
      // ~K·eps·Σ|x| ≈ 1e-5 relative over a few layers. The bound scales with the logits' magnitude.
      const scale = 1 + maxAbs(same.a);
      const tolerance = 1e-5 * scale;
      assert.ok(maxAbsDiff(same.a, same.c) <= tolerance, `intact vs identical copy: max |Δlogit| ${maxAbsDiff(same.a, same.c)} > ${tolerance}`);
      assert.ok(Math.abs(same.kl) < 1e-6, `kl ${same.kl}`);
      // Equal logits; the two CE sums reduce over different halves of [2B·T], so float32 order may differ in the last bit.
      assert.ok(Math.abs(same.ceC - same.ceI) <= 1e-6 * Math.abs(same.ceI), `ce ${same.ceC} vs ${same.ceI}`);
      // The tolerance still sees a real divergence: a noised image moves the logits by orders of magnitude more.
      const noised = pathLogits(corruptExamples(examples, { modes: ['noise'], intensity: [1, 1] }, 3, 'diverge', 4));
      assert.ok(maxAbsDiff(noised.a, noised.c) > 100 * tolerance, `corrupted path moved the logits only ${maxAbsDiff(noised.a, noised.c)}`);
    } finally {
      s.dispose();
    }
  });

  it('the transplant replaces latent hidden states: the corrupted path\'s latents equal the intact path\'s, other positions differ', async () => {
    const s = await session();
    const examples = s.splits.train.slice(0, 2);
    const cfg = s.config.method.crystal;
    const check = (copies: ReturnType<typeof corruptExamples>) => {
      const b = prepareCrystalBatch(s, examples, copies);
      const { hidden, segs, T } = tf.tidy(() => {
        const out = s.model.forward(b.inputs, { pairedLatentTransplant: { stopGradient: cfg.transplant_stop_gradient }, returnHidden: true });
        return { hidden: out.hidden!.map((h) => h.arraySync() as number[][][]), segs: b.enc.segments, T: b.enc.T };
      });
      b.dispose();
      return { hidden, segs, T };
    };
    const copiesA = corruptExamples(examples, cfg.corruption, 1, 'a', 4);
    const copiesB = corruptExamples(examples, { modes: ['noise'], intensity: [1, 1] }, 2, 'b', 4);
    for (const copies of [copiesA, copiesB]) {
      const { hidden, segs, T } = check(copies);
      for (const layer of hidden) {
        let latentChecked = 0;
        let imageDiffers = false;
        for (let b = 0; b < 2; b++) {
          for (let t = 0; t < T; t++) {
            const intact = layer[b][t];
            const corrupted = layer[2 + b][t];
            if (segs[b * T + t] === SEGMENT.latent) { assert.deepEqual(corrupted, intact); latentChecked++; }
            if (segs[b * T + t] === SEGMENT.image && corrupted.some((v, i) => v !== intact[i])) imageDiffers = true;
          }
        }
        assert.equal(latentChecked, 2 * s.layout.latentCount);
        assert.ok(imageDiffers, 'the corrupted image should change image-position states');
      }
    }
    s.dispose();
  });


  it('no answer token is predicted at a transplanted position, so a corrupted image changes the corrupted path\'s answer CE', async () => {
    // Regression: with <lat>×K directly before the answer, the first answer token was
    // predicted at the last latent, whose state the transplant copies from the intact
    // path, so CE(intact) = CE(corrupted) and KL = 0 whatever the corruption.
    const s = await session();
    const examples = s.splits.train.slice(0, 4);
    const cfg = s.config.method.crystal;
    const b = prepareCrystalBatch(s, examples, corruptExamples(examples, { modes: ['mask'], intensity: [1, 1] }, 3, 'x', 4));
    const { T, segments, lossMask, tokenIds } = b.enc;
    for (let i = 0; i < b.enc.B * T; i++) {
      if (lossMask[i] > 0) assert.notEqual(segments[i], SEGMENT.latent, `position ${i % T} of row ${Math.floor(i / T)} predicts an answer token from a latent`);
      if (segments[i] === SEGMENT.latent && segments[i + 1] !== SEGMENT.latent) assert.equal(tokenIds[i + 1], SPECIAL.sep, 'the latents are followed by the answer <sep>');
    }
    // The first answer prediction of each row: its logits must differ between the paths
    // (before the fix they were bit-identical, being computed at a transplanted latent).
    const logits = tf.tidy(() => pairedForward(s.model, b, cfg, false).logits.arraySync() as number[][][]);
    const half = b.enc.B / 2;
    for (let r = 0; r < half; r++) {
      const first = Array.from(lossMask.subarray(r * T, (r + 1) * T)).indexOf(1);
      const maxDiff = Math.max(...logits[r][first].map((v, k) => Math.abs(v - logits[half + r][first][k])));
      assert.ok(maxDiff > 1e-6, `row ${r}: the first answer prediction is the same on both paths (max |Δlogit| ${maxDiff})`);
    }
    const kl = tf.tidy(() => crystalTerms(pairedForward(s.model, b, cfg, false), b, cfg, [0]).kl.dataSync()[0]);
    assert.ok(kl > 0, `KL ${kl} should be positive for a fully masked image`);
    b.dispose(); s.dispose();
  });
  it('the alignment loss is 0 for equal attention and positive otherwise (frobenius and kl)', () => {
    const B = 2; const T = 5;
    const rowsHost = new Float32Array(B * T); const colsHost = new Float32Array(B * T);
    for (let b = 0; b < B; b++) { rowsHost[b * T + 3] = 1; rowsHost[b * T + 4] = 1; colsHost[b * T + 1] = 1; colsHost[b * T + 2] = 1; }
    for (const distance of ['frobenius', 'kl'] as CrystalConfig['distance'][]) {
      const [equal, differ, outside] = tf.tidy(() => {
        const rows = tf.tensor3d(rowsHost, [B, T, 1]); const cols = tf.tensor3d(colsHost, [B, 1, T]);
        const a = tf.softmax(tf.randomNormal([B, T, T], 0, 1, 'float32', 1)) as tf.Tensor3D;
        const b = tf.softmax(tf.randomNormal([B, T, T], 0, 1, 'float32', 2)) as tf.Tensor3D;
        // Changing only an unselected row (row 0) must not change the distance.
        const onlyRow0 = tf.concat([tf.slice(b, [0, 0, 0], [B, 1, T]), tf.slice(a, [0, 1, 0], [B, T - 1, T])], 1) as tf.Tensor3D;
        return [attentionDistance(a, a, rows, cols, distance), attentionDistance(a, b, rows, cols, distance), attentionDistance(a, onlyRow0, rows, cols, distance)].map((x) => x.dataSync()[0]);
      });
      assert.ok(Math.abs(equal) < 1e-7, `${distance}: equal maps give ${equal}`);
      assert.ok(differ > 1e-4, `${distance}: different maps give ${differ}`);
      assert.ok(Math.abs(outside) < 1e-7, `${distance}: unselected rows leak into the distance (${outside})`);
      // The same number as the definition written out on the host, entry by entry.
      const [aHost, bHost, got] = tf.tidy(() => {
        const rows = tf.tensor3d(rowsHost, [B, T, 1]); const cols = tf.tensor3d(colsHost, [B, 1, T]);
        const a = tf.softmax(tf.randomNormal([B, T, T], 0, 1, 'float32', 4)) as tf.Tensor3D;
        const b = tf.softmax(tf.randomNormal([B, T, T], 0, 1, 'float32', 5)) as tf.Tensor3D;
        return [a.dataSync(), b.dataSync(), attentionDistance(a, b, rows, cols, distance).dataSync()[0]] as const;
      });
      let want = 0;
      for (let e = 0; e < B; e++) {
        for (let i = 0; i < T; i++) {
          if (!rowsHost[e * T + i]) continue;
          const at = (x: Float32Array, j: number) => x[(e * T + i) * T + j];
          let sa = 0, sb = 0;
          for (let j = 0; j < T; j++) if (colsHost[e * T + j]) { sa += at(aHost as Float32Array, j); sb += at(bHost as Float32Array, j); }
          for (let j = 0; j < T; j++) {
            if (!colsHost[e * T + j]) continue;
            const x = at(aHost as Float32Array, j), y = at(bHost as Float32Array, j);
            want += distance === 'frobenius' ? (x - y) ** 2 : (x / sa) * (Math.log(x / sa) - Math.log(y / sb));
          }
        }
      }
      want /= B;
      assert.ok(Math.abs(got - want) <= 1e-5 * Math.max(1, Math.abs(want)), `${distance}: ${got} vs the definition ${want}`);
    }
    // Paired form: a batch whose halves match aligns to 0 on every layer.
    const v = tf.tidy(() => {
      const half = tf.softmax(tf.randomNormal([B, 2, T, T], 0, 1, 'float32', 3));
      const att = tf.concat([half, half], 0) as tf.Tensor4D;
      const rows = tf.tensor3d(rowsHost, [B, T, 1]); const cols = tf.tensor3d(colsHost, [B, 1, T]);
      return pairedAlignmentLoss([att, att], [0, 1], rows, cols, 'frobenius').dataSync()[0];
    });
    assert.ok(Math.abs(v) < 1e-7);
    // The row window of selectionTensors gives the full-matrix value, for both distances.
    for (const distance of ['frobenius', 'kl'] as CrystalConfig['distance'][]) {
      const [full, windowed, start] = tf.tidy(() => {
        const att = tf.softmax(tf.randomNormal([2 * B, 2, T, T], 0, 1, 'float32', 6)) as tf.Tensor4D;
        const rows = tf.tensor3d(rowsHost, [B, T, 1]); const cols = tf.tensor3d(colsHost, [B, 1, T]);
        const sel = selectionTensors({ rows: rowsHost, cols: colsHost }, B, T);
        return [pairedAlignmentLoss([att], [0], rows, cols, distance).dataSync()[0],
          pairedAlignmentLoss([att], [0], sel.rows, sel.cols, distance, sel.rowStart).dataSync()[0], sel.rowStart] as const;
      });
      assert.equal(start, 3, 'the window starts at the first answer row');
      assert.ok(full > 1e-4 && Math.abs(full - windowed) <= 1e-6 * full, `${distance}: full ${full} vs windowed ${windowed}`);
    }
  });

  it('keeps numTensors flat across training steps and is deterministic per (seed, epoch, example)', async () => {
    const s = await session();
    const params = [...s.method.trainableVariables(s.model).values()];
    const step = () => {
      const batch = s.method.prepareBatch(s.splits.train.slice(0, 4), 1);
      const { value, grads } = tf.variableGrads(() => s.method.loss(s.model, batch, { step: 0, epoch: 1, totalSteps: 1, config: s.config }).loss, params);
      value.dispose(); for (const g of Object.values(grads)) g.dispose();
      batch.dispose();
    };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    assert.equal(tf.memory().numTensors, before);
    const cfg = s.config.method.crystal;
    const ex = s.splits.train.slice(0, 3);
    const x = corruptExamples(ex, { ...cfg.corruption, modes: ['blur', 'mask', 'noise'] }, 5, 'epoch-0', 4);
    const y = corruptExamples(ex, { ...cfg.corruption, modes: ['blur', 'mask', 'noise'] }, 5, 'epoch-0', 4);
    const z = corruptExamples(ex, { ...cfg.corruption, modes: ['blur', 'mask', 'noise'] }, 5, 'epoch-1', 4);
    assert.deepEqual(x.samples, y.samples);
    assert.deepEqual(x.examples.map((e) => Array.from(e.image)), y.examples.map((e) => Array.from(e.image)));
    assert.notDeepEqual(x.examples.map((e) => Array.from(e.image)), z.examples.map((e) => Array.from(e.image)));
    s.dispose();
  });

  it('refuses alignment layers the model does not have, naming the field', async () => {
    await assert.rejects(session({ alignment_layers: [3] }), /alignment_layers.*layer 3 does not exist/);
  });
});

function maxAbs(v: Float32Array | Int32Array | Uint8Array): number {
  let m = 0;
  for (const x of v) m = Math.max(m, Math.abs(x));
  return m;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
