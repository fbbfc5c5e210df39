// The engine's own training step, with each fast path of src/engine/model/speedups.ts
// on and off, interleaved in one process (the machine may be shared: every
// segment records the load). One step is exactly what `latent-lab train` does:
// src/engine/train.ts's loop (prepare batch, forward, backward, global norm,
// optimizer update), on the demo config from the shipped base by default.
//
//   npx tsc -p . && node out/bench/engine-step.js [--config examples/livr.experiment.yaml]
//       [--threads 2] [--steps 6] [--rounds 3] [--variants all,none,-fusedKernels,...] [--out file.jsonl]
//       [--twin yes|no] [--twin-dir DIR] [--gen-tokens 12]
//
// --twin: after the engine's segments of each round, the PyTorch twin
// (bench/torch_engine_step.py) trains on the same weights and first batch (dumped by
// bench/twinDump.ts), with its vision path every step and cached; its first loss must
// match the engine's. Then greedy generation, engine with and without the KV cache
// against the twin's KV-cached decoding (same B, same prefix).
//
// Variants: all (every fast path), none (every one off: the engine before issue 15),
// -<name> (all but one; -a-b: all but a and b), in an order rotated each round (use rounds ≥ the variant count). Each segment reloads the same trainable weights and
// restarts at step 0, so the first loss of every variant must agree (printed);
// the first step of a segment is a warm-up and not timed. The image-token cache
// stays warm across segments (the frozen weights are never reloaded): the numbers
// are the steady state of epochs ≥ 2; in epoch 1 the encoder runs as before.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { loadExperiment } from '../src/core/validator';
import { tf } from '../src/engine/backend';
import { Optimizer } from '../src/engine/optimizer';
import { startBackend } from '../src/engine/run';
import { buildSession, type Session } from '../src/engine/session';
import type { HostTensor } from '../src/engine/checkpoint';
import { runTrainingLoop } from '../src/engine/train';
import { speedups, type Speedup } from '../src/engine/model/speedups';
import { trainStepFlops } from './engineFlops';
import { measureSgemmPeak } from './sgemmPeak';
import { dumpForTwin } from './twinDump';
import { generationMs } from './engineGenerate';
import { spawnSync } from 'node:child_process';
import type { TokenBatch } from '../src/engine/methods/sft';

const LIB = '/usr/lib/x86_64-linux-gnu';
/**
 * The twin, set up fairly (docs/performance.md): OpenBLAS (Debian's torch links reference BLAS
 * by default) with as many threads as the engine, jemalloc that keeps freed pages (glibc malloc
 * and jemalloc's default decay both return memory every step: 1.6× and 10× slower here),
 * passive OpenMP waits.
 */
function runTwin(dir: string, threads: number, args: string[]): Record<string, number> | null {
  const env = { ...process.env, LD_LIBRARY_PATH: `${LIB}/openblas-pthread`, OMP_WAIT_POLICY: 'PASSIVE', OPENBLAS_NUM_THREADS: String(threads),
    ...(fs.existsSync(`${LIB}/libjemalloc.so.2`) ? { LD_PRELOAD: `${LIB}/libjemalloc.so.2`, MALLOC_CONF: 'dirty_decay_ms:-1,muzzy_decay_ms:-1' } : {}) };
  const r = spawnSync('/usr/bin/python3', [path.join(__dirname, '../../bench/torch_engine_step.py'), dir, ...args], { env, encoding: 'utf8' });
  if (r.status !== 0) { console.log(`twin failed: ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-2).join(' ')}`); return null; }
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

const arg = (name: string, dflt: string) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : dflt; };
const median = (a: number[]) => { const s = [...a].sort((x, y) => x - y); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const load = () => fs.existsSync('/proc/loadavg') ? fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ') : os.loadavg().map((x) => x.toFixed(2)).join(' ');

function setVariant(v: string): void {
  const names = Object.keys(speedups) as Speedup[];
  for (const n of names) speedups[n] = v !== 'none';
  if (!v.startsWith('-')) return;
  for (const off of v.slice(1).split('-')) {   // -a-b: all but a and b
    if (!names.includes(off as Speedup)) throw new Error(`--variants: unknown fast path ${off} (${names.join(', ')})`);
    speedups[off as Speedup] = false;
  }
}

/** One segment: `steps` steps of the engine's own loop from `start` at step 0; the first step untimed. */
/** A full V8 collection now (--expose-gc set at run time), so no segment pays for the one before it. */
const collectGarbage: () => void = (() => {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
})();

async function engineSegment(session: Session, start: Map<string, HostTensor>, steps: number): Promise<{ firstLoss: number; ms: number[]; cpuMs: number[] }> {
  const { model, method, config: cfg } = session;
  const params = method.trainableVariables(model);
  session.loadWeights(start, false);
  collectGarbage();   // the previous segment's garbage is not this one's cost
  const optimizer = new Optimizer(cfg.train.optimizer, cfg.train.grad_clip, params);
  const seg = { firstLoss: NaN, ms: [] as number[], cpuMs: [] as number[] };
  let cpuBefore = process.cpuUsage();
  await runTrainingLoop({
    model, method, optimizer, params, train: cfg.train, ctxConfig: cfg, examples: session.splits.train, totalSteps: steps,
    epochOrder: session.epochOrder, state: { step: 0, epoch: 0, positionInEpoch: 0 },
    hooks: {
      afterStep: (rep) => {
        const used = process.cpuUsage(cpuBefore);   // process CPU (all threads): less sensitive to load than wall time
        cpuBefore = process.cpuUsage();
        if (rep.step === 1) { seg.firstLoss = rep.loss; return; }
        seg.ms.push(rep.seconds * 1000);
        seg.cpuMs.push((used.user + used.system) / 1000);
      },
      shouldStop: () => false,
    },
  });
  optimizer.dispose();
  return seg;
}

/** Greedy generation on B val examples: engine with and without the KV cache, and the twin's cached decoding. */
async function benchGeneration(session: Session, tokens: number, twinDir: string | null): Promise<object> {
  const cfg = session.config;
  const ex = session.splits.val.slice(0, cfg.train.batch_size);
  const genLoad = load();
  const cached = await generationMs(session, ex, tokens, true), full = await generationMs(session, ex, tokens, false);
  const t = twinDir ? runTwin(twinDir, cfg.runtime.threads, ['--mode', 'gen', '--threads', String(cfg.runtime.threads), '--gen-tokens', String(tokens)]) : null;
  console.log(`generation, B ${ex.length}: engine ${cached.msPerToken.toFixed(1)} ms/token with KV cache (prefix ${cached.prefixMs.toFixed(0)} ms), ` +
    `${full.msPerToken.toFixed(1)} without${t ? `; torch KV cache ${t.ms_per_token.toFixed(1)} ms/token (prefix ${t.prefix_ms.toFixed(0)} ms): engine/twin ${(cached.msPerToken / t.ms_per_token).toFixed(2)}` : ''}; load ${genLoad}`);
  return { bench: 'engine-generate', B: ex.length, ms_per_token_cached: cached.msPerToken, ms_per_token_full: full.msPerToken, prefix_ms: cached.prefixMs,
    torch_ms_per_token: t?.ms_per_token, torch_prefix_ms: t?.prefix_ms, threads: cfg.runtime.threads, load: genLoad };
}

interface TrainResults {
  times: Map<string, number[]>; cpu: Map<string, number[]>; firstLoss: Map<string, number[]>; loads: string[];
  twinRuns: Array<Record<string, number>>; variants: string[];
}

/** Prints (and returns as JSON lines) ms/step, CPU ms, GFLOP/s and first losses per variant, then the twin's. */
function reportTrain(session: Session, file: string, run: { backend: string; native: string }, r: TrainResults): object[] {
  const { config: cfg, model, method } = session;
  const { times, cpu, firstLoss, loads, twinRuns, variants } = r;
  const backend = { name: run.backend }, native = run.native;
  const B = cfg.train.batch_size, T = session.layout.T;
  const flops = trainStepFlops(model.shape, {
    B, T, loraRank: cfg.model.finetune.lora.rank, loraTargets: cfg.model.finetune.lora.targets.length,
    fullFinetune: cfg.model.finetune.mode === 'full', mlpRatio: cfg.model.mlp_ratio, visionLayers: cfg.model.vision_layers,
  });
  const peak = measureSgemmPeak();
  console.log(`${path.relative(process.cwd(), file)}: ${method.name}, B ${B}, T ${T}; backend ${backend.name}; ${native}`);
  console.log(`useful work ${(flops.total / 1e9).toFixed(2)} GFLOP/step; sgemm peak ${peak.gflops.toFixed(1)} GFLOP/s (${peak.what}); loads ${loads[0] ?? load()} … ${loads[loads.length - 1] ?? load()}`);
  const lines: object[] = [];
  for (const v of variants) {
    if (times.get(v)!.length === 0) continue;   // --rounds 0: generation only
    const ms = median(times.get(v)!);
    const gf = flops.total / (ms / 1000) / 1e9;
    const best = Math.min(...times.get(v)!), bestCpu = Math.min(...cpu.get(v)!);   // least preempted step: steadier on a shared machine
    console.log(`${v.padEnd(18)} ${ms.toFixed(1).padStart(7)} ms/step  (cpu ${median(cpu.get(v)!).toFixed(1)} ms; fastest step ${best.toFixed(0)}, cpu ${bestCpu.toFixed(0)})  ${gf.toFixed(1).padStart(5)} GFLOP/s  ${(100 * gf / peak.gflops).toFixed(1).padStart(5)}% of peak  first loss ${firstLoss.get(v)!.map((x) => x.toFixed(7)).join(' ')}`);
    lines.push({ bench: 'engine-step', config: path.basename(file), variant: v, ms_per_step: ms, cpu_ms_per_step: median(cpu.get(v)!), min_ms_per_step: best, min_cpu_ms_per_step: bestCpu, steps: times.get(v)!.length, gflop_per_step: flops.total / 1e9,
      gflops: gf, sgemm_peak_gflops: peak.gflops, first_loss: firstLoss.get(v), threads: cfg.runtime.threads, loads, numTensors: tf.memory().numTensors });
  }
  for (const cache of [0, 1]) {
    const runs = twinRuns.filter((t) => t.cache === cache);
    if (runs.length === 0) continue;
    const ms = median(runs.map((t) => t.ms));
    const eng = median(times.get(variants[0])!);
    const best = Math.min(...runs.map((t) => t.min_ms)), engBest = Math.min(...times.get(variants[0])!);
    console.log(`torch twin${cache ? ', vision cached' : ', vision each step'}`.padEnd(34) + ` ${ms.toFixed(1)} ms/step (cpu ${median(runs.map((t) => t.cpu_ms)).toFixed(1)} ms; fastest step ${best.toFixed(0)})  first loss ${runs[0].first_loss.toFixed(7)}  engine ${variants[0]} / twin = ${(eng / ms).toFixed(2)} (fastest steps: ${(engBest / best).toFixed(2)})`);
    lines.push({ bench: 'engine-step', config: path.basename(file), variant: `torch${cache ? '+vision-cache' : ''}`, ms_per_step: ms, cpu_ms_per_step: median(runs.map((t) => t.cpu_ms)),
      min_ms_per_step: best, first_loss: runs.map((t) => t.first_loss), threads: cfg.runtime.threads, ratio_engine_over_twin: eng / ms, ratio_fastest_steps: engBest / best });
  }
  return lines;
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
  const start = new Map([...(await session.hostWeights())].filter(([n]) => names.has(n)));   // trainable weights only: the frozen ones (and the image cache) stay
  const times = new Map<string, number[]>(variants.map((v) => [v, []]));
  const cpu = new Map<string, number[]>(variants.map((v) => [v, []]));
  const firstLoss = new Map<string, number[]>();
  const loads: string[] = [];
  const twin = arg('twin', 'yes') === 'yes';
  const keepTwin = arg('twin-dir', '');   // keep the dump there (to run the twin alone)
  const twinDir = keepTwin || fs.mkdtempSync(path.join(os.tmpdir(), 'll-twin-'));
  if (twin) {
    const first = session.epochOrder(0).slice(0, cfg.train.batch_size).map((i) => session.splits.train[i]);
    const b = method.prepareBatch(first, 0) as TokenBatch;
    await dumpForTwin(session, b, twinDir);
    b.dispose();
  }
  const twinRuns: Array<Record<string, number>> = [];
  for (let r = 0; r < rounds; r++) {
    // Rotated each round, and a full GC before each segment: the segment after `none` (most
    // garbage) was measured 10–25% slow without it (V8 collecting on helper threads: CPU > wall at 1 thread).
    for (const v of [...variants.slice(r % variants.length), ...variants.slice(0, r % variants.length)]) {
      setVariant(v);
      loads.push(load());
      const seg = await engineSegment(session, start, steps);
      firstLoss.set(v, [...(firstLoss.get(v) ?? []), seg.firstLoss]);
      times.get(v)!.push(...seg.ms);
      cpu.get(v)!.push(...seg.cpuMs);
    }
    if (twin) {
      for (const cache of [false, true]) {
        loads.push(load());
        const t = runTwin(twinDir, cfg.runtime.threads, ['--threads', String(cfg.runtime.threads), '--steps', String(steps), ...(cache ? ['--cache-vision'] : [])]);
        if (t) twinRuns.push({ ...t, cache: cache ? 1 : 0 });
      }
    }
  }
  setVariant('all');
  const lines = reportTrain(session, file, { backend: backend.name, native }, { times, cpu, firstLoss, loads, twinRuns, variants });
  const genTokens = Number(arg('gen-tokens', '12'));
  if (genTokens > 0) lines.push(await benchGeneration(session, genTokens, twin ? twinDir : null));
  if (!keepTwin) fs.rmSync(twinDir, { recursive: true, force: true });
  const out = arg('out', '');
  if (out) fs.appendFileSync(out, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  session.dispose();
}

main().catch((e) => { console.error(e); process.exit(1); });
