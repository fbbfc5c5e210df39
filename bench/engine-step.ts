// The engine's own training step, with each fast path of src/engine/model/speedups.ts
// on and off, interleaved in one process (the machine may be shared: every
// segment records the load). One step is exactly what `latent-lab train` does:
// src/engine/train.ts's loop (prepare batch, forward, backward, global norm,
// optimizer update), on the demo config from the shipped base by default.
//
//   npx tsc -p . && node out/bench/engine-step.js [--config examples/livr.experiment.yaml]
//       [--threads 2] [--steps 6] [--rounds 3] [--variants all,none,-fusedKernels,...] [--out file.jsonl]
//
// Variants: all (every fast path), none (every one off: the engine before issue 15),
// -<name> (all but one). Each segment reloads the same trainable weights and
// restarts at step 0, so the first loss of every variant must agree (printed);
// the first step of a segment is a warm-up and not timed. The image-token cache
// stays warm across segments (the frozen weights are never reloaded): the numbers
// are the steady state of epochs ≥ 2; in epoch 1 the encoder runs as before.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadExperiment } from '../src/core/validator';
import { tf } from '../src/engine/backend';
import { Optimizer } from '../src/engine/optimizer';
import { startBackend } from '../src/engine/run';
import { buildSession } from '../src/engine/session';
import { runTrainingLoop, type LoopState } from '../src/engine/train';
import { speedups, type Speedup } from '../src/engine/model/speedups';
import { trainStepFlops } from './engineFlops';
import { measureSgemmPeak } from './sgemmPeak';

const arg = (name: string, dflt: string) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : dflt; };
const median = (a: number[]) => { const s = [...a].sort((x, y) => x - y); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const load = () => fs.existsSync('/proc/loadavg') ? fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ') : os.loadavg().map((x) => x.toFixed(2)).join(' ');

function setVariant(v: string): void {
  const names = Object.keys(speedups) as Speedup[];
  for (const n of names) speedups[n] = v !== 'none';
  if (v.startsWith('-')) {
    if (!names.includes(v.slice(1) as Speedup)) throw new Error(`--variants: unknown fast path ${v.slice(1)} (${names.join(', ')})`);
    speedups[v.slice(1) as Speedup] = false;
  }
}

async function main(): Promise<void> {
  const file = path.resolve(arg('config', 'examples/livr.experiment.yaml'));
  const steps = Number(arg('steps', '6'));
  const rounds = Number(arg('rounds', '3'));
  const variants = arg('variants', 'all,none').split(',');
  const cfg = loadExperiment(file);
  cfg.runtime.threads = Number(arg('threads', '2'));
  const { backend, native } = await startBackend(cfg);
  const session = await buildSession(cfg);
  const { model, method } = session;
  const params = method.trainableVariables(model);
  const names = new Set(params.keys());
  const start = new Map([...session.hostWeights()].filter(([n]) => names.has(n)));   // trainable weights only: the frozen ones (and the image cache) stay
  const times = new Map<string, number[]>(variants.map((v) => [v, []]));
  const cpu = new Map<string, number[]>(variants.map((v) => [v, []]));   // process CPU ms per step (all threads): less sensitive to load than wall time
  const firstLoss = new Map<string, number[]>();
  const loads: string[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const v of variants) {
      setVariant(v);
      session.loadWeights(start, false);
      const optimizer = new Optimizer(cfg.train.optimizer, cfg.train.grad_clip, params);
      const state: LoopState = { step: 0, epoch: 0, positionInEpoch: 0 };
      loads.push(load());
      let cpuBefore = process.cpuUsage();
      await runTrainingLoop({
        model, method, optimizer, params, train: cfg.train, ctxConfig: cfg, examples: session.splits.train, totalSteps: steps,
        epochOrder: session.epochOrder, state,
        hooks: {
          afterStep: (rep) => {
            const used = process.cpuUsage(cpuBefore);
            cpuBefore = process.cpuUsage();
            if (rep.step === 1) { firstLoss.set(v, [...(firstLoss.get(v) ?? []), rep.loss]); return; }
            times.get(v)!.push(rep.seconds * 1000);
            cpu.get(v)!.push((used.user + used.system) / 1000);
          },
          shouldStop: () => false,
        },
      });
      optimizer.dispose();
    }
  }
  setVariant('all');
  const B = cfg.train.batch_size, T = session.layout.T;
  const flops = trainStepFlops(model.shape, {
    B, T, loraRank: cfg.model.finetune.lora.rank, loraTargets: cfg.model.finetune.lora.targets.length,
    fullFinetune: cfg.model.finetune.mode === 'full', mlpRatio: cfg.model.mlp_ratio, visionLayers: cfg.model.vision_layers,
  });
  const peak = measureSgemmPeak();
  console.log(`${path.relative(process.cwd(), file)}: ${method.name}, B ${B}, T ${T}; backend ${backend.name}; ${native}`);
  console.log(`useful work ${(flops.total / 1e9).toFixed(2)} GFLOP/step; sgemm peak ${peak.gflops.toFixed(1)} GFLOP/s (${peak.what}); loads ${loads[0]} … ${loads[loads.length - 1]}`);
  const lines: object[] = [];
  for (const v of variants) {
    const ms = median(times.get(v)!);
    const gf = flops.total / (ms / 1000) / 1e9;
    console.log(`${v.padEnd(18)} ${ms.toFixed(1).padStart(7)} ms/step  (cpu ${median(cpu.get(v)!).toFixed(1)} ms)  ${gf.toFixed(1).padStart(5)} GFLOP/s  ${(100 * gf / peak.gflops).toFixed(1).padStart(5)}% of peak  first loss ${firstLoss.get(v)!.map((x) => x.toFixed(7)).join(' ')}`);
    lines.push({ bench: 'engine-step', config: path.basename(file), variant: v, ms_per_step: ms, cpu_ms_per_step: median(cpu.get(v)!), steps: times.get(v)!.length, gflop_per_step: flops.total / 1e9,
      gflops: gf, sgemm_peak_gflops: peak.gflops, first_loss: firstLoss.get(v), threads: cfg.runtime.threads, loads, numTensors: tf.memory().numTensors });
  }
  const out = arg('out', '');
  if (out) fs.appendFileSync(out, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  session.dispose();
}

main().catch((e) => { console.error(e); process.exit(1); });
