// The hand-written optimizer: matches the AdamW formula, clips by global norm,
// restores its state exactly, and allocates no tensors per step.
import * as assert from 'node:assert/strict';
import { tf } from '../../src/engine/backend';
import { Optimizer } from '../../src/engine/optimizer';
import { learningRateAt } from '../../src/engine/schedule';

const ADAMW = { kind: 'adamw' as const, lr: 0.1, weight_decay: 0.5, beta1: 0.9, beta2: 0.999 };

function params(values: number[][]): Map<string, tf.Variable> {
  const m = new Map<string, tf.Variable>();
  // tidy frees the initial value; the variable (its own copy) survives.
  values.forEach((v, i) => m.set(`p${i}`, tf.tidy(() => tf.variable(tf.tensor2d(v, [1, v.length]), true, `opt-test-${Math.random()}`))));
  return m;
}

describe('optimizer', () => {
  before(async () => { await tf.setBackend('cpu'); });

  it('applies one AdamW step as the formula says (decay on matrices)', () => {
    const p = params([[1, -2]]);
    const opt = new Optimizer(ADAMW, 0, p);
    const g = { p0: tf.tensor2d([[0.5, -0.25]]) };
    opt.apply(g, 0.1, 1);
    // step 1: m̂ = g, v̂ = g², update = g/|g| + wd·p = sign(g) + 0.5 p
    const got = p.get('p0')!.dataSync();
    const expect = [1 - 0.1 * (1 / (1 + 1e-8 / 0.5) + 0.5), -2 - 0.1 * (-1 / (1 + 1e-8 / 0.25) + 0.5 * -2)];
    assert.ok(Math.abs(got[0] - expect[0]) < 1e-6, `${got[0]} vs ${expect[0]}`);
    assert.ok(Math.abs(got[1] - expect[1]) < 1e-6, `${got[1]} vs ${expect[1]}`);
    g.p0.dispose(); opt.dispose(); p.get('p0')!.dispose();
  });

  it('clips the global gradient norm (sgd makes the scale visible)', () => {
    const p = params([[0, 0]]);
    const opt = new Optimizer({ ...ADAMW, kind: 'sgd', weight_decay: 0 }, 1, p);
    const g = { p0: tf.tensor2d([[3, 4]]) };   // norm 5 → scaled to norm 1
    const norm = Optimizer.globalNorm(g);
    assert.ok(Math.abs(norm.dataSync()[0] - 5) < 1e-6);
    opt.apply(g, 1, 5);
    const got = Array.from(p.get('p0')!.dataSync());
    assert.ok(Math.abs(got[0] + 0.6) < 1e-5 && Math.abs(got[1] + 0.8) < 1e-5, `got ${got}`);
    norm.dispose(); g.p0.dispose(); opt.dispose(); p.get('p0')!.dispose();
  });

  it('restores m, v and step exactly: a restored optimizer continues identically', async () => {
    const run = async (restoreAfter: number | null) => {
      const p = params([[0.3, -0.7, 1.1]]);
      let opt = new Optimizer(ADAMW, 1, p);
      for (let i = 0; i < 6; i++) {
        if (restoreAfter === i) {
          const state = await opt.getState();
          opt.dispose();
          opt = new Optimizer(ADAMW, 1, p);
          opt.setState(state);
        }
        const g = { p0: tf.tensor2d([[Math.sin(i), Math.cos(i), 0.1 * i]]) };
        opt.apply(g, 0.05, 1);
        g.p0.dispose();
      }
      const out = Array.from(p.get('p0')!.dataSync());
      opt.dispose(); p.get('p0')!.dispose();
      return out;
    };
    assert.deepEqual(await run(3), await run(null));
  });

  it('refuses a state for another optimizer kind or shape', async () => {
    const p = params([[1, 2]]);
    const opt = new Optimizer(ADAMW, 0, p);
    const state = await opt.getState();
    const sgd = new Optimizer({ ...ADAMW, kind: 'sgd' }, 0, p);
    assert.throws(() => sgd.setState(state), /adamw.*sgd/);
    state.slots[0].shape = [2, 1];
    assert.throws(() => opt.setState(state), /shape/);
    opt.dispose(); p.get('p0')!.dispose();
  });

  it('allocates no tensors per step', () => {
    const p = params([[1, 2, 3]]);
    const opt = new Optimizer(ADAMW, 1, p);
    const counts: number[] = [];
    for (let i = 0; i < 4; i++) {
      const g = { p0: tf.tensor2d([[1, -1, 2]]) };
      opt.apply(g, 0.01, 2.4);
      g.p0.dispose();
      counts.push(tf.memory().numTensors);
    }
    assert.equal(new Set(counts).size, 1, `numTensors ${counts}`);
    opt.dispose(); p.get('p0')!.dispose();
  });

  it('schedule: warmup rises to lr, cosine ends at 0, constant stays', () => {
    const cfg = { optimizer: ADAMW, schedule: { kind: 'cosine' as const, warmup_steps: 4 } };
    assert.ok(learningRateAt(0, 20, cfg) < learningRateAt(3, 20, cfg));
    assert.ok(Math.abs(learningRateAt(4, 20, cfg) - 0.1) < 1e-12);
    assert.ok(Math.abs(learningRateAt(19, 20, cfg)) < 1e-12);
    assert.equal(learningRateAt(10, 20, { ...cfg, schedule: { kind: 'constant', warmup_steps: 0 } }), 0.1);
    assert.ok(Math.abs(learningRateAt(19, 20, { ...cfg, schedule: { kind: 'linear', warmup_steps: 0 } })) < 1e-12);
  });
});
