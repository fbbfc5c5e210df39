import * as assert from 'node:assert/strict';
import { selectBackend, tf } from '../../src/engine/backend';
import { isTrainable } from '../../src/engine/model/lora';
import { causalMask } from '../../src/engine/model/masks';
import { disposeBatch, encodeExamples, SPECIAL, toBatchTensors } from '../../src/engine/model/sequence';
import { createTinyVlm } from '../../src/engine/model/tinyVlm';
import { answerLoss, examples, IMAGE_SIZE, smallLatents, smallModel, T, tokenizer } from './modelFixtures';

const layout = { T, patchSize: 4, latentCount: 4, placement: 'after_prompt' as const };
const loraModel = (over: Partial<ReturnType<typeof smallModel>['finetune']> = {}) =>
  smallModel({ finetune: { ...smallModel().finetune, mode: 'lora', ...over } });

describe('LoRA and freezing', () => {
  before(async () => { await selectBackend('wasm', { threads: 1 }); });

  it('creates A [din, r] and B [r, dout] per target and decoder block; only they and the latent rows train', () => {
    const model = createTinyVlm(loraModel(), smallLatents(), tokenizer.size, T, 5, IMAGE_SIZE);
    assert.deepEqual(model.variables.get('decoder.blocks.0.mlp.in.lora_a')!.shape, [32, 4]);
    assert.deepEqual(model.variables.get('decoder.blocks.0.mlp.in.lora_b')!.shape, [4, 128]);
    assert.deepEqual(model.variables.get('decoder.blocks.1.attn.o.lora_b')!.shape, [4, 32]);
    assert.equal([...model.variables.keys()].filter((n) => n.startsWith('vision.') && n.includes('lora')).length, 0);
    const names = new Set(model.trainableVariables().map((v) => [...model.variables].find(([, w]) => w === v)![0]));
    assert.equal(names.size, 2 * 6 * 2 + 1);
    for (const n of names) assert.ok(/\.lora_[ab]$/.test(n) || n === 'decoder.latent_embed', n);
    assert.equal(model.variables.has('decoder.token_rows'), false, 'no untrained token rows named: none created');
    model.dispose();
  });

  it('a fresh adapter (B = 0) leaves the output equal to the base model of the same seed', () => {
    const base = createTinyVlm(smallModel(), smallLatents(), tokenizer.size, T, 5, IMAGE_SIZE);
    const lora = createTinyVlm(loraModel(), smallLatents(), tokenizer.size, T, 5, IMAGE_SIZE);
    const enc = encodeExamples(examples(2), tokenizer, layout);
    const batch = toBatchTensors(enc, causalMask(enc.segments, 2, T));
    const a = tf.tidy(() => base.forward(batch).logits.dataSync());
    const b = tf.tidy(() => lora.forward(batch).logits.dataSync());
    assert.deepEqual(b, a);
    disposeBatch(batch); base.dispose(); lora.dispose();
  });

  it('after adam steps frozen weights are bit-identical and adapters and latent rows have moved', () => {
    const model = createTinyVlm(loraModel(), smallLatents(), tokenizer.size, T, 5, IMAGE_SIZE);
    const before = new Map([...model.variables].map(([n, v]) => [n, v.dataSync().slice()]));
    const enc = encodeExamples(examples(4), tokenizer, layout);
    const batch = toBatchTensors(enc, causalMask(enc.segments, 4, T));
    const opt = tf.train.adam(1e-2);
    for (let i = 0; i < 3; i++) opt.minimize(() => answerLoss(model, batch, enc), false, model.trainableVariables());
    for (const [name, v] of model.variables) {
      const same = Buffer.compare(Buffer.from(before.get(name)!.buffer), Buffer.from(v.dataSync().buffer)) === 0;
      assert.equal(same, !isTrainable(name, loraModel().finetune), name);
    }
    opt.dispose(); disposeBatch(batch); model.dispose();
  });

  it('token rows the base has not trained (e.g. VaLR\'s <latent>, </latent>) train under LoRA; token_embed stays bit-identical', () => {
    const rows = [SPECIAL.latStart, SPECIAL.latEnd];
    const model = createTinyVlm(loraModel(), smallLatents(), tokenizer.size, T, 5, IMAGE_SIZE, rows);
    assert.deepEqual(model.variables.get('decoder.token_rows')!.shape, [2, 32]);
    assert.ok(model.trainableVariables().includes(model.variables.get('decoder.token_rows')!));
    const embedBefore = model.variables.get('decoder.token_embed')!.dataSync().slice();
    // VaLR's layout: the answer segment contains <latent> … </latent>, whose predictions are trained.
    const enc = encodeExamples(examples(4), tokenizer, { T, patchSize: 4, latentCount: 2, placement: 'interleaved' });
    const batch = toBatchTensors(enc, causalMask(enc.segments, 4, T));
    const opt = tf.train.adam(1e-2);
    for (let i = 0; i < 3; i++) opt.minimize(() => answerLoss(model, batch, enc), false, model.trainableVariables());
    const delta = model.variables.get('decoder.token_rows')!.dataSync();
    assert.ok(delta.some((x) => x !== 0), 'the new rows moved');
    assert.deepEqual(model.variables.get('decoder.token_embed')!.dataSync(), embedBefore, 'token_embed frozen');
    // Full fine-tuning trains token_embed itself: no separate rows.
    const full = createTinyVlm(smallModel(), smallLatents(), tokenizer.size, T, 5, IMAGE_SIZE, rows);
    assert.equal(full.variables.has('decoder.token_rows'), false);
    // A zero delta leaves the model equal to one without the rows (same seed).
    const plain = createTinyVlm(loraModel(), smallLatents(), tokenizer.size, T, 5, IMAGE_SIZE);
    const fresh = createTinyVlm(loraModel(), smallLatents(), tokenizer.size, T, 5, IMAGE_SIZE, rows);
    assert.deepEqual(tf.tidy(() => fresh.forward(batch).logits.dataSync()), tf.tidy(() => plain.forward(batch).logits.dataSync()));
    opt.dispose(); disposeBatch(batch); model.dispose(); full.dispose(); plain.dispose(); fresh.dispose();
  });

  it('full mode honours freeze_vision and freeze_projector', () => {
    const ft = { ...smallModel().finetune, freeze_vision: true, freeze_projector: true };
    const model = createTinyVlm(smallModel({ finetune: ft }), smallLatents(), tokenizer.size, T, 5, IMAGE_SIZE);
    const trainable = new Set(model.trainableVariables());
    for (const [name, v] of model.variables) {
      assert.equal(trainable.has(v), !(name.startsWith('vision.') || name.startsWith('projector.')), name);
      assert.equal(v.trainable, trainable.has(v), `${name}.trainable flag`);
    }
    assert.ok(isTrainable('decoder.token_embed', ft));
    model.dispose();
  });
});

describe('loading weights by name', () => {
  before(async () => { await selectBackend('wasm', { threads: 1 }); });

  it('starts a LoRA model from a full model\'s weights: adapters may be missing, shapes must match', async () => {
    const { loadWeights, readWeights } = await import('../../src/engine/model/weights');
    const full = createTinyVlm(smallModel(), smallLatents(), tokenizer.size, T, 1, IMAGE_SIZE);
    const lora = createTinyVlm(loraModel(), smallLatents(), tokenizer.size, T, 2, IMAGE_SIZE);
    const src = await readWeights(full.variables);
    assert.throws(() => loadWeights(lora.variables, src, 'ckpt'), /ckpt: missing weights decoder\.blocks\.0\.attn\.q\.lora_a/);
    const r = loadWeights(lora.variables, src, 'ckpt', (n) => n.includes('.lora_'));
    assert.equal(r.loaded.length, full.variables.size);
    assert.equal(r.missing.length, 2 * 6 * 2);
    assert.deepEqual(lora.variables.get('decoder.token_embed')!.dataSync(), full.variables.get('decoder.token_embed')!.dataSync());
    const bigger = createTinyVlm(smallModel(), smallLatents({ count: 6 }), tokenizer.size, T, 1, IMAGE_SIZE);
    const before = bigger.variables.get('decoder.token_embed')!.dataSync().slice();
    assert.throws(() => loadWeights(bigger.variables, src, 'ckpt'), /ckpt: weight decoder\.latent_embed has shape \[4,32\] but the model expects \[6,32\]/);
    assert.deepEqual(bigger.variables.get('decoder.token_embed')!.dataSync(), before, 'a failed load changes nothing');
    full.dispose(); lora.dispose(); bigger.dispose();
  });
});
