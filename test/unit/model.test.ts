import * as assert from 'node:assert/strict';
import { selectBackend, tf } from '../../src/engine/backend';
import { causalMask } from '../../src/engine/model/masks';
import { disposeBatch, encodeExamples, oneHotTensor, patchify, SPECIAL, toBatchTensors, type SequenceLayout } from '../../src/engine/model/sequence';
import { SEGMENT } from '../../src/engine/model/segments';
import { createTinyVlm } from '../../src/engine/model/tinyVlm';
import { Tokenizer } from '../../src/engine/data/tokenizer';
import { answerLoss, examples, IMAGE_SIZE, oneHot, smallLatents, smallModel, T, tokenizer } from './modelFixtures';

const layout: SequenceLayout = { T, patchSize: 4, latentCount: 4, placement: 'after_prompt' };

function std(v: tf.Variable): number {
  return tf.tidy(() => Math.sqrt(tf.moments(v).variance.dataSync()[0]));
}

describe('tiny-vlm model', () => {
  before(async () => { await selectBackend('wasm', { threads: 1 }); });

  it('forward gives logits [B,T,V], attention [B,h,T,T] and hidden [B,T,d] per layer', () => {
    const model = createTinyVlm(smallModel(), smallLatents(), tokenizer.size, T, 7, IMAGE_SIZE);
    const enc = encodeExamples(examples(4), tokenizer, layout);
    const batch = toBatchTensors(enc, causalMask(enc.segments, 4, T));
    const shapes = tf.tidy(() => {
      const out = model.forward(batch, { captureAttention: true, returnHidden: true });
      return { logits: out.logits.shape, att: out.attention!.map((a) => a.shape), hid: out.hidden!.map((h) => h.shape) };
    });
    assert.deepEqual(shapes.logits, [4, T, tokenizer.size]);
    assert.deepEqual(shapes.att, [[4, 2, T, T], [4, 2, T, T]]);
    assert.deepEqual(shapes.hid, [[4, T, 32], [4, T, 32]]);
    disposeBatch(batch);
    model.dispose();
  });

  it('names every weight as docs/model.md does, with the documented shapes', () => {
    const model = createTinyVlm(smallModel(), smallLatents(), tokenizer.size, T, 7, IMAGE_SIZE);
    const shapeOf = (n: string) => { const v = model.variables.get(n); assert.ok(v, `missing ${n}`); return v.shape; };
    assert.deepEqual(shapeOf('vision.patch_embed.weight'), [48, 32]);
    assert.deepEqual(shapeOf('vision.pos_embed'), [16, 32]);
    assert.deepEqual(shapeOf('vision.blocks.0.attn.q.weight'), [32, 32]);
    assert.deepEqual(shapeOf('vision.blocks.0.mlp.in.weight'), [32, 128]);
    assert.deepEqual(shapeOf('vision.ln_f.weight'), [32]);
    assert.deepEqual(shapeOf('projector.in.weight'), [32, 32]);
    assert.deepEqual(shapeOf('projector.out.bias'), [32]);
    assert.deepEqual(shapeOf('decoder.token_embed'), [tokenizer.size, 32]);
    assert.deepEqual(shapeOf('decoder.pos_embed'), [T, 32]);
    assert.deepEqual(shapeOf('decoder.blocks.1.mlp.out.weight'), [128, 32]);
    assert.deepEqual(shapeOf('decoder.ln_f.bias'), [32]);
    assert.equal([...model.variables.keys()].filter((n) => n.includes('lora')).length, 0);
    // 2 (patch) + 1 (pos) + 16·n_v + 2 (ln_f) + 4 (projector) + 3 (embeds) + 16·n + 2 (ln_f)
    assert.equal(model.variables.size, 2 + 1 + 16 + 2 + 4 + 3 + 32 + 2);
    model.dispose();
  });

  it('unshared latents get K rows, shared latents one row, K = 0 none', () => {
    const shapeFor = (l: ReturnType<typeof smallLatents>) => {
      const m = createTinyVlm(smallModel(), l, tokenizer.size, T, 7, IMAGE_SIZE);
      const s = m.variables.get('decoder.latent_embed')?.shape;
      m.dispose();
      return s;
    };
    assert.deepEqual(shapeFor(smallLatents({ count: 6 })), [6, 32]);
    assert.deepEqual(shapeFor(smallLatents({ count: 6, embedding: 'shared' })), [1, 32]);
    assert.equal(shapeFor(smallLatents({ count: 0 })), undefined);
  });

  it('shared latents put the same input at every latent position, unshared ones different inputs', () => {
    for (const embedding of ['shared', 'unshared'] as const) {
      const model = createTinyVlm(smallModel({ layers: 1 }), smallLatents({ embedding }), tokenizer.size, T, 7, IMAGE_SIZE);
      const enc = encodeExamples(examples(1), tokenizer, layout);
      const batch = toBatchTensors(enc, causalMask(enc.segments, 1, T));
      // Block all attention except self: each position's output then depends on its own input only (plus position).
      const selfOnly = new Float32Array(T * T).fill(-1e9).map((_, k) => (k % (T + 1) === 0 ? 0 : -1e9));
      const m2 = tf.tensor4d(selfOnly, [1, 1, T, T]);
      const noPos = model.variables.get('decoder.pos_embed')!;
      const saved = noPos.clone();
      tf.tidy(() => noPos.assign(tf.zerosLike(noPos)));
      const logits = tf.tidy(() => model.forward({ ...batch, mask: m2 }).logits.arraySync()[0]);
      noPos.assign(saved);
      saved.dispose(); m2.dispose(); disposeBatch(batch);
      const lat = [...enc.segments].map((s, t) => (s === SEGMENT.latent ? t : -1)).filter((t) => t >= 0);
      assert.equal(lat.length, 4);
      const same = lat.slice(1).every((t) => logits[t].every((v, k) => Math.abs(v - logits[lat[0]][k]) < 1e-6));
      assert.equal(same, embedding === 'shared', embedding);
      model.dispose();
    }
  });

  it('init: N(0, 0.02) weights, residual projections 0.02/√(2n), zero biases, LayerNorm (1, 0); deterministic from the seed', () => {
    const cfg = smallModel({ d_model: 64, layers: 4 });
    const model = createTinyVlm(cfg, smallLatents(), tokenizer.size, T, 7, IMAGE_SIZE);
    const v = (n: string) => model.variables.get(n)!;
    assert.ok(Math.abs(std(v('decoder.blocks.0.attn.q.weight')) - 0.02) < 0.002);
    assert.ok(Math.abs(std(v('decoder.blocks.0.mlp.in.weight')) - 0.02) < 0.001);
    const residual = 0.02 / Math.sqrt(2 * 4);
    assert.ok(Math.abs(std(v('decoder.blocks.3.attn.o.weight')) - residual) < 0.001);
    assert.ok(Math.abs(std(v('decoder.blocks.3.mlp.out.weight')) - residual) < 0.0005);
    assert.ok(std(v('decoder.blocks.3.mlp.out.weight')) < std(v('decoder.blocks.3.mlp.in.weight')) * 0.6);
    const mean = tf.tidy(() => tf.mean(v('decoder.token_embed')).dataSync()[0]);
    assert.ok(Math.abs(mean) < 0.003);
    assert.ok(v('decoder.blocks.0.attn.q.bias').dataSync().every((x) => x === 0));
    assert.ok(v('decoder.ln_f.weight').dataSync().every((x) => x === 1));
    assert.ok(v('vision.blocks.0.ln2.bias').dataSync().every((x) => x === 0));
    const again = createTinyVlm(cfg, smallLatents(), tokenizer.size, T, 7, IMAGE_SIZE);
    const other = createTinyVlm(cfg, smallLatents(), tokenizer.size, T, 8, IMAGE_SIZE);
    for (const [name, w] of model.variables) {
      assert.deepEqual(again.variables.get(name)!.dataSync(), w.dataSync(), name);
    }
    assert.notDeepEqual(other.variables.get('decoder.token_embed')!.dataSync(), v('decoder.token_embed').dataSync());
    model.dispose(); again.dispose(); other.dispose();
  });

  it('gradients reach every trainable variable (except attn.k.bias, which softmax ignores)', () => {
    const model = createTinyVlm(smallModel(), smallLatents(), tokenizer.size, T, 7, IMAGE_SIZE);
    const enc = encodeExamples(examples(4), tokenizer, layout);
    const batch = toBatchTensors(enc, causalMask(enc.segments, 4, T));
    const vars = model.trainableVariables();
    assert.equal(vars.length, model.variables.size);
    const norms = tf.tidy(() => {
      const { grads } = tf.variableGrads(() => answerLoss(model, batch, enc), vars);
      return Object.entries(grads).map(([n, g]) => [n, tf.norm(g).dataSync()[0]] as const);
    });
    assert.equal(norms.length, vars.length);
    for (const [name, norm] of norms) {
      assert.ok(Number.isFinite(norm), `${name} gradient is not finite`);
      // q·b_k is constant along a softmax row, so b_k's true gradient is 0 (rounding noise only).
      if (name.endsWith('attn.k.bias')) assert.ok(norm < 1e-6, name);
      else assert.ok(norm > 1e-7, `${name} gets no gradient (${norm})`);
    }
    disposeBatch(batch);
    model.dispose();
  });

  it('keeps tf.memory().numTensors flat across 5 adam steps and lowers the loss', () => {
    const model = createTinyVlm(smallModel(), smallLatents(), tokenizer.size, T, 7, IMAGE_SIZE);
    const enc = encodeExamples(examples(4), tokenizer, layout);
    const batch = toBatchTensors(enc, causalMask(enc.segments, 4, T));
    const opt = tf.train.adam(3e-3);
    const counts: number[] = [];
    const losses: number[] = [];
    for (let step = 0; step < 5; step++) {
      const loss = opt.minimize(() => answerLoss(model, batch, enc), true, model.trainableVariables())!;
      losses.push(loss.dataSync()[0]);
      loss.dispose();
      counts.push(tf.memory().numTensors);
    }
    // Step 1 creates adam's moment slots; after that nothing may accumulate.
    assert.deepEqual(counts.slice(1), new Array(4).fill(counts[1]), `numTensors per step: ${counts}`);
    assert.ok(losses[4] < losses[0], `loss ${losses}`);
    opt.dispose();
    disposeBatch(batch);
    model.dispose();
  });

  it('oneHotTensor (built by the backend) holds exactly the host oneHot; an id outside the vocabulary throws', () => {
    const ids = Int32Array.from([0, 5, 112, 3, 3, 111]);
    const t = oneHotTensor(ids, 113);
    assert.equal(t.dtype, 'float32');
    assert.deepEqual(t.shape, [6, 113]);
    assert.deepEqual(Array.from(t.dataSync()), Array.from(oneHot(ids, 113)));
    t.dispose();
    assert.throws(() => oneHotTensor(Int32Array.from([113]), 113), /outside the vocabulary/);
  });

  it('patchify: raster order of patches, row-major channel-last inside a patch', () => {
    const size = 8, p = 4;
    const img = Float32Array.from({ length: size * size * 3 }, (_, i) => i); // value = (y·W + x)·3 + c
    const out = new Float32Array(4 * p * p * 3);
    patchify(img, size, p, out, 0);
    const at = (y: number, x: number, c: number) => (y * size + x) * 3 + c;
    // patch 1 = top-right (py 0, px 1); element (dy 2, dx 3, c 1)
    assert.equal(out[1 * 48 + (2 * p + 3) * 3 + 1], at(2, 7, 1));
    // patch 2 = bottom-left (py 1, px 0); element (dy 0, dx 0, c 2)
    assert.equal(out[2 * 48 + 2], at(4, 0, 2));
    assert.equal(out[3 * 48 + 47], at(7, 7, 2));
  });

  it('encodeExamples lays out <bos> <img>×P prompt <lat>×K <sep> answer <eos>, targets and loss mask', () => {
    const ex = examples(2);
    const enc = encodeExamples(ex, tokenizer, layout);
    const row = (b: number) => [...enc.tokenIds.subarray(b * T, b * T + enc.length[b])];
    const q = tokenizer.encode(ex[0].question), a = tokenizer.encode(ex[0].answer);
    assert.deepEqual(row(0), [SPECIAL.bos, ...new Array(16).fill(SPECIAL.img), ...q, ...new Array(4).fill(SPECIAL.lat), SPECIAL.sep, ...a, SPECIAL.eos]);
    assert.equal(enc.answerStart[0], 1 + 16 + q.length + 4 + 1);
    assert.equal(enc.segments[enc.answerStart[0] - 1], SEGMENT.text, 'the engine\'s <sep> is a prompt row');
    assert.equal(enc.segments[enc.length[0]], SEGMENT.pad);
    assert.equal(enc.tokenIds[enc.length[0]], SPECIAL.pad);
    // Loss on exactly the predictions of answer tokens and <eos>: from the <sep> onwards, never at a latent.
    const lossAt = [...enc.lossMask.subarray(0, T)].map((w, t) => (w ? t : -1)).filter((t) => t >= 0);
    assert.deepEqual(lossAt, Array.from({ length: a.length + 1 }, (_, i) => enc.answerStart[0] - 1 + i));
    assert.equal(enc.targets[enc.answerStart[0] - 1], a[0]);
    assert.equal(enc.targets[enc.length[0] - 2], SPECIAL.eos);
    const before = encodeExamples(ex, tokenizer, { ...layout, placement: 'before_prompt' });
    assert.deepEqual([...before.segments.subarray(17, 21)], [2, 2, 2, 2]);
    assert.throws(() => encodeExamples(ex, tokenizer, { ...layout, T: 20 }), /example ex0: needs \d+ sequence positions .* raise data.max_text_tokens/);
    const prefix = encodeExamples(ex, tokenizer, { ...layout, includeAnswer: false });
    assert.equal(prefix.length[1], prefix.answerStart[1]);
    assert.equal(prefix.lossMask.reduce((s, w) => s + w, 0), 0);
  });

  it('works with the real word tokenizer, whose special ids are the layout\'s', () => {
    assert.deepEqual(Tokenizer.SPECIAL.map((_, i) => i), Object.values(SPECIAL).sort((a, b) => a - b));
    assert.equal(Tokenizer.SPECIAL[SPECIAL.latStart], '<latent>');
    const ex = examples(2);
    const tok = Tokenizer.fromExamples(ex);
    const enc = encodeExamples(ex, tok, layout);
    assert.equal(enc.vocabSize, tok.size);
    const row1 = enc.tokenIds.subarray(T, 2 * T); // positions within a row; rows are T apart
    assert.equal(tok.decode([...row1.subarray(enc.answerStart[1], enc.length[1] - 1)]), ex[1].answer);
    assert.equal(row1[enc.length[1] - 1], SPECIAL.eos);
  });

  it('interleaved placement puts <latStart> <lat>×K <latEnd> before every rationale step', () => {
    const ex = examples(1);
    const enc = encodeExamples(ex, tokenizer, { ...layout, placement: 'interleaved', T: 60 });
    const ids = [...enc.tokenIds.subarray(enc.answerStart[0], enc.length[0])];
    assert.deepEqual(ids, [SPECIAL.latStart, 4, 4, 4, 4, SPECIAL.latEnd, ...tokenizer.encode(ex[0].rationale[0]), SPECIAL.sep, ...tokenizer.encode(ex[0].answer), SPECIAL.eos]);
    // The model never has to predict a latent token.
    for (let t = 0; t + 1 < T; t++) if (enc.segments[t + 1] === SEGMENT.latent) assert.equal(enc.lossMask[t], 0);
  });
});
