// Every fast path of src/engine/model/speedups.ts gives the engine's own training
// loop the same losses as the plain path it replaces (one path off at a time), with
// tf.memory().numTensors flat across steps; the image-token cache is invalidated
// when the frozen weights change; frozen matrices get no weight gradient.
// Runs with whatever kernels the machine has (npm run test:native-off repeats it
// with the addon off).
import * as assert from 'assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadExperiment } from '../../src/core/validator';
import { tf } from '../../src/engine/backend';
import { Optimizer } from '../../src/engine/optimizer';
import { startBackend } from '../../src/engine/run';
import { buildSession, causalBatch, type Session } from '../../src/engine/session';
import { runTrainingLoop } from '../../src/engine/train';
import { disposeBatch } from '../../src/engine/model/sequence';
import { speedups, withSpeedup, type Speedup } from '../../src/engine/model/speedups';
import { writeExperiment, tinyExperiment } from './runFixture';

const STEPS = 6;

/** Losses of STEPS steps of the engine's loop from the session's current weights, and numTensors after each step. */
async function train(s: Session, start: Map<string, { shape: number[]; data: Float32Array }>): Promise<{ losses: number[]; tensors: number[] }> {
  const cfg = s.config;
  s.loadWeights(start as never, false);
  const params = s.method.trainableVariables(s.model);
  const optimizer = new Optimizer(cfg.train.optimizer, cfg.train.grad_clip, params);
  const losses: number[] = [];
  const tensors: number[] = [];
  await runTrainingLoop({
    model: s.model, method: s.method, optimizer, params, train: cfg.train, ctxConfig: cfg, examples: s.splits.train,
    totalSteps: STEPS, epochOrder: s.epochOrder, state: { step: 0, epoch: 0, positionInEpoch: 0 },
    hooks: { afterStep: (r) => { losses.push(r.loss); tensors.push(tf.memory().numTensors); }, shouldStop: () => false },
  });
  optimizer.dispose();
  return { losses, tensors };
}

describe('engine fast paths (model/speedups.ts)', function () {
  this.timeout(180000);
  let session: Session;
  let start: Map<string, { shape: number[]; data: Float32Array }>;
  let file: string;

  before(async () => {
    // LoRA with the vision path frozen (the demo's setting), AdamW with weight decay, every speedup reachable.
    file = writeExperiment(tinyExperiment({
      model: { patch_size: 4, d_vision: 32, vision_layers: 1, vision_heads: 2, d_model: 32, layers: 2, heads: 2, finetune: { mode: 'lora', lora: { rank: 4, alpha: 8 } } },
      train: { batch_size: 8, optimizer: { kind: 'adamw', lr: 0.003, weight_decay: 0.1 }, grad_clip: 0.5 },
    }));
    const cfg = loadExperiment(file);
    await startBackend(cfg);
    session = await buildSession(cfg);
    // Non-zero LoRA B so the adapters' gradients are not trivially zero at step 1.
    const hw = await session.hostWeights();
    for (const [name, w] of hw) if (name.endsWith('.lora_b')) w.data.forEach((_, i) => { w.data[i] = 0.01 * Math.sin(i + name.length); });
    session.loadWeights(hw, true);
    const trainable = new Set(session.method.trainableVariables(session.model).keys());
    start = new Map([...(await session.hostWeights())].filter(([n]) => trainable.has(n))) as never;
  });
  after(() => {
    session?.dispose();
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  });

  it('all on: numTensors is flat across steps', async () => {
    const { tensors } = await train(session, start);
    for (let i = 2; i < tensors.length; i++) assert.strictEqual(tensors[i], tensors[1], `numTensors after each step: ${tensors.join(', ')}`);
  });

  for (const name of Object.keys(speedups) as Speedup[]) {
    if (name === 'kvCache') continue;   // generation only: test/unit/generate.test.ts
    it(`${name}: the same ${STEPS} losses with and without it`, async () => {
      const on = await train(session, start);
      speedups[name] = false;
      let off: { losses: number[] };
      try { off = await train(session, start); } finally { speedups[name] = true; }
      // float32 kernels that sum in another order: ~1e-6 relative per step, grown by
      // Adam over a few steps; 2e-4 relative is far below any change of the math.
      on.losses.forEach((l, i) => assert.ok(Math.abs(l - off.losses[i]) <= 2e-4 * Math.abs(off.losses[i]),
        `step ${i + 1}: ${l} with ${name}, ${off.losses[i]} without (all: ${on.losses.join(', ')} vs ${off.losses.join(', ')})`));
    });
  }

  it('imageTokenCache: recomputed after the frozen vision weights change', () => {
    const { batch } = causalBatch(session, session.splits.val.slice(0, 4));
    const w = session.model.variables.get('vision.patch_embed.weight')!;
    const before = tf.tidy(() => w.clone());
    try {
      const first = tf.tidy(() => session.model.forward(batch).logits.dataSync());     // fills the cache
      tf.tidy(() => w.assign(tf.mul(w, 1.5)));
      const cached = tf.tidy(() => session.model.forward(batch).logits.dataSync());
      const plain = withSpeedup('imageTokenCache', false, () => tf.tidy(() => session.model.forward(batch).logits.dataSync()));
      assert.ok(first.some((x, i) => Math.abs(x - plain[i]) > 1e-3), 'changing the patch embedding changes the logits');
      plain.forEach((x, i) => assert.ok(Math.abs(x - cached[i]) <= 1e-5 * Math.max(1, Math.abs(x)), `logit ${i}: cached ${cached[i]} vs recomputed ${x}`));
    } finally {
      w.assign(before);
      before.dispose();
      disposeBatch(batch);
    }
  });

  it('lazyMatMulGrad: frozen matrices get no weight gradient (fewer matmuls in the backward pass)', async () => {
    const params = [...session.method.trainableVariables(session.model).values()];
    const b = session.method.prepareBatch(session.splits.train.slice(0, 8), 0);
    const matmuls = async (lazy: boolean) => {
      speedups.lazyMatMulGrad = lazy;
      speedups.imageTokenCache = false;   // the same forward work in both
      speedups.fusedLora = false;         // LoRA linears as matmuls (fused, they have no dW either way)
      speedups.gatherEmbedding = false;   // the latent embedding as a one-hot product
      try {
        const info = await tf.profile(() => {
          const { value, grads } = tf.variableGrads(() => session.method.loss(session.model, b, { step: 0, epoch: 0, totalSteps: 1, config: session.config }).loss, params);
          value.dispose();
          for (const g of Object.values(grads)) g.dispose();
        });
        return info.kernelNames.length === 0 ? 0 : info.kernels.filter((k) => k.name === 'BatchMatMul').length;
      } finally { speedups.lazyMatMulGrad = true; speedups.imageTokenCache = true; speedups.fusedLora = true; speedups.gatherEmbedding = true; }
    };
    try {
      const lazy = await matmuls(true), explicit = await matmuls(false);
      // Saved: 2 decoder layers × 6 frozen W (q, k, v, o, mlp.in, mlp.out), the frozen tied head,
      // and the gradient of the constant latent one-hot (only latent_embed's is needed): 14.
      assert.strictEqual(explicit - lazy, 14, `BatchMatMul calls: ${lazy} lazy, ${explicit} explicit`);
    } finally { b.dispose(); }
  });
});
