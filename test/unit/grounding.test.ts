// Pretraining's object-level supervision (issue 16): the synthetic tasks' focus boxes and
// shape maps, SFT's grounding loss (method.sft.grounding) and patch probe
// (method.sft.patch_probe): each is the documented quantity, the grounding loss pulls the
// answer row's attention onto the named object when trained, both train with numTensors
// flat across steps, and their rules name the field.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadExperiment, validateExperimentText } from '../../src/core/validator';
import { selectBackend, tf } from '../../src/engine/backend';
import { OBJECT_COLOURS, objectColourIndex, PALETTE, SHAPE_PLURAL, SHAPES } from '../../src/engine/data/canvas';
import type { Example } from '../../src/engine/data/example';
import { Rng } from '../../src/engine/data/rng';
import { TASKS } from '../../src/engine/data/tasks';
import { groundingLoss, groundingSelection, groundingTargets, patchesOf } from '../../src/engine/methods/grounding';
import { createPatchProbe, KIND_COUNT_CLASSES, patchClasses, patchKindCounts } from '../../src/engine/methods/patchProbe';
import { PATCH_PROBE_PREFIX, withoutProbeHeads } from '../../src/engine/methods/probeHeads';
import { createTinyVlm } from '../../src/engine/model/tinyVlm';
import { smallLatents, smallModel, T as FIXTURE_T, tokenizer } from './modelFixtures';
import { SEGMENT } from '../../src/engine/model/segments';
import { SPECIAL } from '../../src/engine/model/sequence';
import { Optimizer } from '../../src/engine/optimizer';
import { startBackend } from '../../src/engine/run';
import { buildSession, causalBatch, type Session } from '../../src/engine/session';
import { runTrainingLoop } from '../../src/engine/train';
import { disposeBatch } from '../../src/engine/model/sequence';
import { tinyExperiment, writeExperiment } from './runFixture';
import { memoryHost } from './validatorHelpers';

function generate(task: keyof typeof TASKS, n: number, size: number, seed = 1): Example[] {
  const rng = Rng.fromSeed(seed, 'grounding-test', task);
  return Array.from({ length: n }, (_, i) => ({ ...TASKS[task].generate(rng, size, 'open'), id: `${task}-${i}` }));
}

/** Pixels painted in an object colour, as [x, y]. */
function objectPixels(ex: Example): [number, number][] {
  const out: [number, number][] = [];
  for (let y = 0; y < ex.imageSize; y++) {
    for (let x = 0; x < ex.imageSize; x++) {
      const o = (y * ex.imageSize + x) * 3;
      if (OBJECT_COLOURS.some((c) => PALETTE[c].every((v, k) => Math.abs(v - ex.image[o + k]) < 1e-6))) out.push([x, y]);
    }
  }
  return out;
}

describe('grounding loss and patch probe', function () {
  this.timeout(300000);
  before(async () => { await selectBackend('wasm', { threads: 1 }); });

  it('find\'s focus box holds the named object, and the shape map marks exactly the objects\' pixels', () => {
    for (const ex of generate('find', 20, 32)) {
      assert.equal(ex.focus?.length, 1);
      const colour = ex.question.split(' ')[3] as keyof typeof PALETTE;
      const [x0, y0, x1, y1] = ex.focus![0];
      let inside = 0;
      for (const [x, y] of objectPixels(ex)) {
        const o = (y * ex.imageSize + x) * 3;
        if (!PALETTE[colour].every((v, k) => Math.abs(v - ex.image[o + k]) < 1e-6)) continue;
        assert.ok(x + 0.5 >= x0 && x + 0.5 <= x1 && y + 0.5 >= y0 && y + 0.5 <= y1, `${ex.id}: a ${colour} pixel (${x}, ${y}) outside the focus ${ex.focus![0]}`);
        inside++;
      }
      assert.ok(inside > 0, `${ex.id}: the named object is drawn`);
      const painted = new Set(objectPixels(ex).map(([x, y]) => y * ex.imageSize + x));
      for (let p = 0; p < ex.imageSize ** 2; p++) assert.equal(ex.shapeMap![p] >= 0, painted.has(p), `${ex.id}: pixel ${p}`);
    }
    // presence answered "no" names nothing to look at; localization's glyphs are not objects.
    const absent = generate('presence', 40, 32).filter((e) => e.answer === 'no');
    assert.ok(absent.length > 0 && absent.every((e) => e.focus === undefined));
    for (const ex of generate('localization', 5, 32)) {
      const white = ex.shapeMap!.filter((_, p) => PALETTE.white.every((v, k) => Math.abs(v - ex.image[p * 3 + k]) < 1e-6));
      assert.ok(white.length > 0 && white.every((s) => s === -1), 'glyph pixels carry no shape');
    }
  });

  it('spatial_relation\'s focus boxes hold its two named objects; small_object\'s holds the small target', () => {
    const inside = ([x, y]: [number, number], [x0, y0, x1, y1]: number[]) => x + 0.5 >= x0 && x + 0.5 <= x1 && y + 0.5 >= y0 && y + 0.5 <= y1;
    const ofColour = (ex: Example, colour: string) => objectPixels(ex)
      .filter(([x, y]) => OBJECT_COLOURS[objectColourIndex(ex.image, (y * ex.imageSize + x) * 3)] === colour);
    for (const ex of generate('spatial_relation', 20, 32)) {
      // "where is the red square relative to the blue circle?": each named colour is unique in the image.
      const words = ex.question.split(' ');
      const named = [words[3], words[8]];
      assert.equal(ex.focus?.length, 2, ex.question);
      named.forEach((colour, i) => {
        const pixels = ofColour(ex, colour);
        assert.ok(pixels.length > 0 && pixels.every((p) => inside(p, ex.focus![i])), `${ex.id}: the ${colour} object lies in focus ${i} ${ex.focus![i]}`);
      });
    }
    for (const ex of generate('small_object', 20, 32)) {
      assert.equal(ex.focus?.length, 1);
      const [x0, y0, x1, y1] = ex.focus![0];
      assert.ok(x1 - x0 <= 4 && y1 - y0 <= 4, `${ex.id}: a small box ${ex.focus![0]}`);
      assert.ok(ofColour(ex, ex.answer).some((p) => inside(p, ex.focus![0])), `${ex.id}: the box holds ${ex.answer} pixels`);
    }
  });

  it('maps a box onto the patches it overlaps', () => {
    assert.deepEqual(patchesOf([0, 0, 4, 4], 16, 4), [0]);
    assert.deepEqual(patchesOf([3.5, 0, 4.5, 1], 16, 4), [0, 1]);
    assert.deepEqual(patchesOf([5, 9, 7, 15], 16, 4), [9, 13]);
    assert.deepEqual(patchesOf([-3, 14, 40, 40], 16, 4), [12, 13, 14, 15]);   // clipped to the image
  });

  it('labels each patch with the colour and shape of the object covering it, else background', () => {
    for (const ex of generate('colour', 10, 16)) {
      const classes = patchClasses(ex, 4);
      const shape = SHAPES.findIndex((s) => ex.shapeMap!.includes(SHAPES.indexOf(s)));
      const colour = OBJECT_COLOURS.indexOf(ex.answer as typeof OBJECT_COLOURS[number]);
      for (let n = 0; n < 16; n++) {
        let own = 0;   // this patch's object pixels
        for (let dy = 0; dy < 4; dy++) for (let dx = 0; dx < 4; dx++) if (ex.shapeMap![((n >> 2) * 4 + dy) * 16 + (n % 4) * 4 + dx] >= 0) own++;
        const expected = own >= 4 ? [colour, shape] : [OBJECT_COLOURS.length, SHAPES.length];
        assert.deepEqual([classes[n * 2], classes[n * 2 + 1]], expected, `${ex.id} patch ${n} (${own} object pixels)`);
      }
    }
  });

  it('records every object drawn, and labels each object patch with how many of its kind the image holds', () => {
    for (const ex of generate('counting', 20, 32, 5)) {
      const [colourWord, pluralWord] = ex.question.split(' ').slice(2, 4);
      const colour = OBJECT_COLOURS.indexOf(colourWord as typeof OBJECT_COLOURS[number]);
      const shape = SHAPES.findIndex((s) => SHAPE_PLURAL[s] === pluralWord);
      const count = Number(ex.answer);
      assert.equal(ex.objects!.filter((o) => o.colour === colour && o.shape === shape).length, count, ex.question);
      const classes = patchClasses(ex, 4), kinds = patchKindCounts(ex, classes);
      let targets = 0;
      for (let n = 0; n < 64; n++) {
        const isObject = classes[n * 2] < OBJECT_COLOURS.length && classes[n * 2 + 1] < SHAPES.length;
        if (!isObject) { assert.equal(kinds[n], 0, `${ex.id} background patch ${n}`); continue; }
        assert.ok(kinds[n] >= 1 && kinds[n] < KIND_COUNT_CLASSES, `${ex.id} patch ${n}: ${kinds[n]}`);
        if (classes[n * 2] === colour && classes[n * 2 + 1] === shape) { targets++; assert.equal(kinds[n], count, `${ex.id} target patch ${n}`); }
      }
      assert.ok(targets >= count, `${ex.id}: ${targets} target patches for ${count} targets`);
    }
    for (const ex of generate('colour', 5, 16)) assert.deepEqual(ex.objects!.map((o) => o.colour), [OBJECT_COLOURS.indexOf(ex.answer as typeof OBJECT_COLOURS[number])]);
  });

  for (const countWeight of [0, 0.5]) {
    it(`patch probe (count_weight ${countWeight}): the mean over patches of the colour, shape, row, column${countWeight ? ' and weighted count' : ''} CEs; its heads stay out of a shipped base`, () => {
      const model = createTinyVlm(smallModel(), smallLatents(), tokenizer.size, FIXTURE_T, 7, 16);
      const before = tf.memory().numTensors;
      const probe = createPatchProbe(model, 5, countWeight);
      const batch = [...generate('colour', 2, 16, 3), ...generate('find', 1, 16, 4)];
      const tokens = tf.randomNormal([batch.length, 16, 32], 0, 1, 'float32', 9) as tf.Tensor3D;   // [B, P, d]
      const labels = probe.labels(batch)!;
      const got = tf.tidy(() => probe.loss(tokens, labels).dataSync()[0]);
      const x = tokens.arraySync() as number[][][];
      const nll = (head: string, token: number[], k: number) => {
        const W = model.variables.get(`${PATCH_PROBE_PREFIX}${head}.weight`)!.arraySync() as number[][];
        const bias = model.variables.get(`${PATCH_PROBE_PREFIX}${head}.bias`)!.arraySync() as number[];
        const logits = bias.map((c, j) => c + token.reduce((acc, v, i) => acc + v * W[i][j], 0));
        const max = Math.max(...logits);
        return max + Math.log(logits.reduce((acc, l) => acc + Math.exp(l - max), 0)) - logits[k];
      };
      let total = 0;
      batch.forEach((ex, b) => {
        const classes = patchClasses(ex, 4), kinds = patchKindCounts(ex, classes);
        for (let n = 0; n < 16; n++) {
          total += nll('colour', x[b][n], classes[n * 2]) + nll('shape', x[b][n], classes[n * 2 + 1])
            + nll('row', x[b][n], Math.floor(n / 4)) + nll('column', x[b][n], n % 4);
          if (countWeight) total += countWeight * nll('count', x[b][n], kinds[n]);
        }
      });
      assert.ok(Math.abs(got - total / (batch.length * 16)) < 1e-3, `${got} vs ${total / (batch.length * 16)}`);
      const heads = [...model.variables.keys()].filter((n) => n.startsWith(PATCH_PROBE_PREFIX));
      assert.equal(heads.length, countWeight ? 10 : 8);
      assert.deepEqual([...withoutProbeHeads(model.variables).keys()].filter((n) => n.startsWith(PATCH_PROBE_PREFIX)), []);
      labels.dispose();
      tokens.dispose();
      assert.equal(tf.memory().numTensors, before + heads.length, 'labels and loss leave no tensor beyond the heads');
      model.dispose();
    });
  }

  describe('in a session', () => {
    const files: string[] = [];
    const sessionWith = async (groundingWeight: number): Promise<Session> => {
      const file = writeExperiment(tinyExperiment({
        kind: 'pretrain', latents: { count: 0 },
        data: { image_size: 16, max_text_tokens: 24, tasks: [{ name: 'find', train: 64, val: 8, test: 8 }, { name: 'colour', train: 16, val: 8, test: 8 }] },
        model: { patch_size: 4, d_vision: 32, vision_layers: 1, vision_heads: 2, d_model: 32, layers: 2, heads: 2 },
        method: { kind: 'sft', sft: { grounding: { weight: groundingWeight, layers: [1], heads: 1 }, patch_probe: { weight: 1 } } },
        train: { batch_size: 8, optimizer: { kind: 'adamw', lr: 0.01, weight_decay: 0 }, log_every: 1, schedule: { kind: 'constant' } },
        eval: { diagnostics: [] },
      }));
      files.push(file);
      const cfg = loadExperiment(file);
      await startBackend(cfg);
      return buildSession(cfg);
    };
    let session: Session;
    before(async () => { session = await sessionWith(5); });
    after(() => { session?.dispose(); for (const f of files) fs.rmSync(path.dirname(f), { recursive: true, force: true }); });

    it('selects the answer rows (the last <sep> up to the answer\'s last token, 1/n each) and the focus patches\' image columns', () => {
      const ex = session.splits.train.slice(0, 8);
      const enc = session.encode(ex);
      const sel = groundingSelection(enc, ex, 16, 4);
      const { T } = enc;
      assert.equal(sel.count, ex.filter((e) => e.focus).length);
      ex.forEach((e, b) => {
        const rows = [...Array(T).keys()].filter((t) => sel.rows[b * T + t] > 0);
        const sep = enc.tokenIds.subarray(b * T, (b + 1) * T).lastIndexOf(SPECIAL.sep);
        const answerTokens = e.answer.split(' ').length;   // find: "top left", two tokens; <eos> is predicted after them
        assert.deepEqual(rows, [...Array(answerTokens).keys()].map((i) => sep + i));
        for (const r of rows) assert.ok(Math.abs(sel.rows[b * T + r] - 1 / answerTokens) < 1e-7);
        const image = [...Array(T).keys()].filter((t) => enc.segments[b * T + t] === SEGMENT.image);
        const want = new Set(e.focus!.flatMap((box) => patchesOf(box, 16, 4)).map((p) => image[p]));
        for (let t = 0; t < T; t++) assert.equal(sel.cols[b * T + t], want.has(t) ? 1 : 0, `${e.id} column ${t}`);
      });
    });

    it('is −log of the supervised heads\' attention mass on the focus, averaged over examples, layers, heads and answer rows', () => {
      const ex = session.splits.train.slice(0, 8);
      const enc = session.encode(ex);
      const { B, T } = enc;
      const attention = [0, 1].map((l) => tf.softmax(tf.randomNormal([B, 2, T, T], 0, 2, 'float32', 11 + l)) as tf.Tensor4D);
      const targets = groundingTargets(enc, ex, 16, 4);
      const cfg = { weight: 1, layers: [0, 1], heads: 2 };
      const got = tf.tidy(() => groundingLoss(attention, targets, cfg).dataSync()[0]);
      const sel = groundingSelection(enc, ex, 16, 4);
      let total = 0, n = 0;
      for (const l of cfg.layers) {
        const a = attention[l].dataSync();
        for (let b = 0; b < B; b++) {
          const rows = [...Array(T).keys()].filter((t) => sel.rows[b * T + t] > 0);
          if (rows.length === 0) continue;
          for (let h = 0; h < 2; h++) {
            for (const row of rows) {
              let mass = 0;
              for (let t = 0; t < T; t++) if (sel.cols[b * T + t]) mass += a[((b * 2 + h) * T + row) * T + t];
              total -= Math.log(mass + 1e-6) / rows.length;
            }
            n++;
          }
        }
      }
      assert.ok(Math.abs(got - total / n) < 1e-4, `${got} vs ${total / n}`);
      targets.dispose();
      tf.dispose(attention);
    });

    it('trains: the supervised head moves its attention onto the named object, beyond what CE alone does; terms logged; numTensors flat', async () => {
      const probe = session.splits.train.filter((e) => e.task === 'find').slice(0, 16);
      const grounding = session.config.method.sft.grounding;
      const massOnFocus = async (s: Session): Promise<number> => {
        const { enc, batch } = causalBatch(s, probe);
        const out = s.model.forward(batch, { captureAttention: true });
        const targets = groundingTargets(enc, probe, 16, 4);
        const loss = groundingLoss(out.attention!, targets, grounding);
        const value = (await loss.data())[0];
        tf.dispose([loss, out.logits, ...out.attention!]);
        targets.dispose();
        disposeBatch(batch);
        return Math.exp(-value);   // geometric mean of the mass over the probe examples
      };
      const train = async (s: Session) => {
        const cfg = s.config;
        const params = s.method.trainableVariables(s.model);
        const optimizer = new Optimizer(cfg.train.optimizer, cfg.train.grad_clip, params);
        const tensors: number[] = [];
        const terms: Record<string, number>[] = [];
        await runTrainingLoop({
          model: s.model, method: s.method, optimizer, params, train: cfg.train, ctxConfig: cfg, examples: s.splits.train,
          totalSteps: 60, epochOrder: s.epochOrder, state: { step: 0, epoch: 0, positionInEpoch: 0 },
          hooks: { afterStep: (r) => { tensors.push(tf.memory().numTensors); terms.push(r.terms); }, shouldStop: () => false },
        });
        optimizer.dispose();
        return { tensors, terms };
      };
      const before = await massOnFocus(session);
      const { tensors, terms } = await train(session);
      const after = await massOnFocus(session);
      const control = await sessionWith(0);
      try {
        assert.ok(Math.abs(await massOnFocus(control) - before) < 1e-6, 'the control starts from the same weights');
        await train(control);
        const ceAlone = await massOnFocus(control);
        assert.ok(after > 2 * before && after > 1.5 * ceAlone,
          `attention mass on the focus: ${before.toFixed(3)} at the start, ${after.toFixed(3)} after 60 steps with grounding, ${ceAlone.toFixed(3)} without`);
      } finally {
        control.dispose();
      }
      for (const t of terms) assert.ok(Number.isFinite(t.grounding) && Number.isFinite(t.patch_probe) && t.patch_probe > 0, JSON.stringify(t));
      assert.ok(terms[terms.length - 1].patch_probe < terms[0].patch_probe, `patch probe ${terms[0].patch_probe} → ${terms[terms.length - 1].patch_probe}`);
      assert.deepEqual(tensors.slice(2), tensors.slice(2).map(() => tensors[2]), `numTensors per step: ${tensors}`);
    });
  });

  it('rules: heads within model.heads, layers within model.layers, synthetic data only', () => {
    const FILE = '/exp/g.experiment.yaml';
    const problems = (sft: string, extra = '') => {
      const text = `name: g\nkind: pretrain\nlatents: {count: 0}\nmodel: {layers: 2, heads: 2}\nmethod:\n  kind: sft\n  sft: ${sft}\n${extra}`;
      return validateExperimentText(text, FILE, memoryHost({ [FILE]: text, '/exp/train.jsonl': '' })).problems.filter((p) => p.severity === 'error');
    };
    assert.deepEqual(problems('{grounding: {weight: 1, layers: [1], heads: 2}}'), []);
    const heads = problems('{grounding: {weight: 1, heads: 3}}');
    assert.equal(heads.length, 1);
    assert.match(heads[0].message, /method\.sft\.grounding\.heads.*at most 2/);
    const layer = problems('{grounding: {weight: 1, layers: [2]}}');
    assert.equal(layer.length, 1);
    assert.match(layer[0].message, /method\.sft\.grounding\.layers.*layer 2 does not exist/);
    assert.deepEqual(problems('{grounding: {weight: 0, heads: 3}}'), [], 'off: nothing to check');
  });
});
