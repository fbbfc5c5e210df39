// Dual-path (CrystaL) step time against single-path on the reference shapes:
// d 128, 4 layers, 4 heads, B 16, T 96 (32×32 images in 4×4 patches = 64
// image tokens, K 8 latents, 22 text tokens, <bos>, <eos>). One "step" is the
// forward + backward of the loss (tf.variableGrads), the same model and data:
//   single  CE on the intact batch (B rows)
//   dual    the crystal method's loss: [intact; corrupted] (2B rows), latent
//           transplant after every block, CE×2 + KL + attention alignment
// Medians of 20 steps after 3 warm-ups; target dual/single ≤ 2.1.
//
//   npx tsc -p . && node out/bench/dual-path.js [--steps 20] [--native auto|on|off] [--threads N] [--attention W]
// (--attention 0 drops the alignment term and the attention capture it needs: its share of the cost)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { loadExperiment } from '../src/core/validator';
import { selectBackend, tf } from '../src/engine/backend';
import { installNativeKernels } from '../src/engine/kernels';
import { answerCrossEntropy, prepareTokenBatch } from '../src/engine/methods/sft';
import { causalMask } from '../src/engine/model/masks';
import { buildSession } from '../src/engine/session';

const arg = (name: string, dflt: string) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : dflt; };
const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];

async function main(): Promise<void> {
  const steps = Number(arg('steps', '20'));
  const threads = Number(arg('threads', '2'));
  const native = arg('native', 'auto') as 'auto' | 'on' | 'off';
  const attention = Number(arg('attention', '0.5'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'll-dual-bench-'));
  const file = path.join(dir, 'bench.experiment.yaml');
  fs.writeFileSync(file, stringify({
    name: 'dual-path-bench', seed: 0,
    runtime: { backend: 'wasm', threads, native_kernels: native },
    data: { image_size: 32, max_text_tokens: 22, tasks: [{ name: 'counting', train: 64, val: 4, test: 4 }] },
    model: { patch_size: 4, d_model: 128, layers: 4, heads: 4, d_vision: 64, vision_layers: 1, vision_heads: 2 },
    latents: { count: 8 },
    method: { kind: 'crystal', crystal: { corruption: { modes: ['blur', 'mask', 'jigsaw', 'noise', 'color'], intensity: [0.3, 0.7] }, weights: { ce_intact: 1, ce_corrupted: 1, kl: 0.5, attention } } },
    train: { batch_size: 16 },
  }));
  const cfg = loadExperiment(file);
  const backend = await selectBackend('wasm', { threads });
  const nativeReport = native === 'off' ? 'native kernels: off' : installNativeKernels(tf, { mode: native, threads }).summary;
  const s = await buildSession(cfg);
  const params = [...s.method.trainableVariables(s.model).values()];
  const examples = s.splits.train.slice(0, 16);
  const time = (f: () => tf.Scalar, b: { dispose(): void }) => {
    const t0 = process.hrtime.bigint();
    const { value, grads } = tf.variableGrads(f, params);
    value.dataSync();
    for (const g of Object.values(grads)) g.dataSync();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    value.dispose(); for (const g of Object.values(grads)) g.dispose();
    b.dispose();
    return ms;
  };
  const single = () => {
    const b = prepareTokenBatch(s, examples, (e) => causalMask(e.segments, e.B, e.T));
    return time(() => answerCrossEntropy(s.model.forward(b.inputs).logits, b), b);
  };
  const dual = () => {
    const b = s.method.prepareBatch(examples, 0);
    return time(() => s.method.loss(s.model, b, { step: 0, epoch: 0, totalSteps: 1, config: cfg }).loss, b);
  };
  for (let i = 0; i < 3; i++) { single(); dual(); }
  const a: number[] = [];
  const d: number[] = [];
  for (let i = 0; i < steps; i++) { a.push(single()); d.push(dual()); }   // interleaved: the machine is shared
  const ratio = median(d) / median(a);
  console.log(`backend ${backend.name} (${threads} threads); ${nativeReport}`);
  console.log(`shapes: d 128, 4 layers, 4 heads, B 16, T ${s.layout.T}, K 8; weights.attention ${attention}; loadavg ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log(`single path: median ${median(a).toFixed(1)} ms/step (${steps} steps)`);
  console.log(`dual path:   median ${median(d).toFixed(1)} ms/step`);
  console.log(`ratio dual/single: ${ratio.toFixed(2)}× (target ≤ 2.1×)`);
  s.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => { console.error(e); process.exit(1); });
