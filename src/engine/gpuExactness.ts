// The WebGPU exactness check (issue 18): one seeded experiment trained on webgpu and
// on wasm in this process, then compared step by step, at its final evaluation, in
// greedy generation from the webgpu checkpoint on both backends, and by evaluating
// that checkpoint on wasm. Run by test/unit/webgpuTraining.test.ts (lavapipe in CI)
// and on a GPU by scripts/gpu-check.sh (`latent-lab backend --exact FILE --out DIR`).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ExperimentConfig } from '../core/experiment';
import type { EvalMetrics, TrainMetrics } from '../core/metricRecords';
import type { AdapterInfo } from '../core/events';
import { READ_LIMITS, readTextBounded } from '../core/boundedRead';
import { latestCheckpoint, readMetrics, readSummary, runPaths } from '../core/runLayout';
import { loadCheckpoint } from './checkpoint';
import { greedyTokens, type GreedyTrace } from './eval/greedy';
import { evaluateTarget, startBackend, trainExperiment } from './run';
import { buildSession } from './session';
import { EVAL_ATTENTION_TOLERANCE, GENERATION_LOGIT_TOLERANCE, TRAIN_LOSS_TOLERANCE } from './webgpuCheck';

export interface ExactnessReport {
  adapter: AdapterInfo | null;
  softwareAdapter: boolean;
  steps: number;
  losses: { webgpu: number[]; wasm: number[] };
  maxLossGap: number;                 // max over steps of |loss_webgpu − loss_wasm|
  maxGradNormGap: number;             // the same for the gradient norm, relative
  eval: { webgpu: EvalMetrics; wasm: EvalMetrics; webgpuCheckpointOnWasm: EvalMetrics };
  generation: { tokens: number; sameTokens: boolean; maxLogitGap: number };
  tolerances: { loss: number; attention: number; logits: number };
  failures: string[];                 // empty: the backends agree
}

const GREEDY_EXAMPLES = 8;
const GREEDY_TOKENS = 4;

const trains = (runDir: string) => readMetrics(runDir).filter((r): r is TrainMetrics => r.type === 'train');
const maxGap = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

/** Trains `file` on webgpu then on wasm into outDir/{webgpu,wasm} and compares them. */
export async function compareWebGpuWithWasm(file: string, outDir: string, log: (line: string) => void = () => undefined): Promise<ExactnessReport> {
  const runs: Record<'webgpu' | 'wasm', string> = { webgpu: path.join(outDir, 'webgpu'), wasm: path.join(outDir, 'wasm') };
  for (const b of ['webgpu', 'wasm'] as const) {
    fs.rmSync(runs[b], { recursive: true, force: true });
    const [r] = await trainExperiment(file, { backend: b, outDir: runs[b], threads: 1 });
    if (r.status !== 'completed') throw new Error(`${file} on ${b}: the run ${r.status}${r.summary.error ? `: ${r.summary.error}` : ''}`);
    log(`${b}: ${r.summary.step} steps in ${r.summary.wall_seconds.toFixed(1)} s`);
  }
  const failures: string[] = [];
  const [g, w] = [trains(runs.webgpu), trains(runs.wasm)];
  if (g.length === 0 || g.length !== w.length) failures.push(`train records: ${g.length} on webgpu, ${w.length} on wasm`);
  const maxLossGap = maxGap(g.map((r) => r.loss), w.map((r) => r.loss));
  const maxGradNormGap = g.reduce((m, r, i) => Math.max(m, Math.abs(r.grad_norm - w[i].grad_norm) / Math.max(1e-12, w[i].grad_norm)), 0);
  if (!(maxLossGap <= TRAIN_LOSS_TOLERANCE)) failures.push(`losses differ by up to ${maxLossGap} (tolerance ${TRAIN_LOSS_TOLERANCE})`);

  const finalOf = (run: string) => {
    const f = readSummary(run)?.final;
    if (!f) throw new Error(`${run}: no final evaluation in summary.json`);
    return f;
  };
  const evalWebgpu = finalOf(runs.webgpu);
  const evalWasm = finalOf(runs.wasm);
  // The webgpu run's checkpoint, evaluated on wasm (appends a record to that run's metrics.jsonl).
  const onWasm = await evaluateTarget(runs.webgpu, { split: evalWebgpu.split as 'val' | 'test', backend: 'wasm' });
  compareEval('webgpu vs wasm run', evalWebgpu, evalWasm, failures);
  compareEval('webgpu checkpoint on webgpu vs on wasm', evalWebgpu, onWasm, failures);

  const traces: GreedyTrace[] = [];
  for (const b of ['webgpu', 'wasm'] as const) traces.push(await greedyFromCheckpoint(runs.webgpu, b));
  const sameTokens = JSON.stringify(traces[0].tokens) === JSON.stringify(traces[1].tokens);
  const maxLogitGap = traces[0].logits.reduce((m, l, i) => Math.max(m, maxGap(l, traces[1].logits[i])), 0);
  if (!sameTokens) failures.push(`greedy tokens differ: ${JSON.stringify(traces[0].tokens)} vs ${JSON.stringify(traces[1].tokens)}`);
  if (!(maxLogitGap <= GENERATION_LOGIT_TOLERANCE)) failures.push(`greedy logits differ by up to ${maxLogitGap} (tolerance ${GENERATION_LOGIT_TOLERANCE})`);

  const backend = readSummary(runs.webgpu)?.backend;
  return {
    adapter: backend?.adapter ?? null, softwareAdapter: backend?.softwareAdapter === true, steps: g.length,
    losses: { webgpu: g.map((r) => r.loss), wasm: w.map((r) => r.loss) }, maxLossGap, maxGradNormGap,
    eval: { webgpu: evalWebgpu, wasm: evalWasm, webgpuCheckpointOnWasm: onWasm },
    generation: { tokens: GREEDY_TOKENS, sameTokens, maxLogitGap },
    tolerances: { loss: TRAIN_LOSS_TOLERANCE, attention: EVAL_ATTENTION_TOLERANCE, logits: GENERATION_LOGIT_TOLERANCE },
    failures,
  };
}

/** Accuracies must be equal (an argmax flips only on a near-tie); the attention mass close. */
function compareEval(what: string, a: EvalMetrics, b: EvalMetrics, failures: string[]): void {
  const acc = (e: EvalMetrics) => JSON.stringify({ accuracy: e.accuracy, drop: e.diagnostics.drop_latents, bottleneck: e.diagnostics.bottleneck_mask, both: e.diagnostics.bottleneck_drop_latents });
  if (acc(a) !== acc(b)) failures.push(`${what}: accuracies differ: ${acc(a)} vs ${acc(b)}`);
  const gap = Math.abs((a.diagnostics.answer_latent_attention ?? 0) - (b.diagnostics.answer_latent_attention ?? 0));
  if (!(gap <= EVAL_ATTENTION_TOLERANCE)) failures.push(`${what}: answer→latent attention differs by ${gap}`);
}

/** Greedy tokens of the first val examples from the run's latest checkpoint, on `backend`. */
async function greedyFromCheckpoint(runDir: string, backend: 'webgpu' | 'wasm'): Promise<GreedyTrace> {
  const cfg = JSON.parse(readTextBounded(runPaths(runDir).config, READ_LIMITS.runJson, 'run config')) as ExperimentConfig;
  cfg.runtime.backend = backend;
  await startBackend(cfg);
  const ckpt = loadCheckpoint(latestCheckpoint(runDir)!);
  const session = await buildSession(cfg, { tokenizerJson: ckpt.tokenizer });
  try {
    session.loadWeights(ckpt.weights, true);
    return await greedyTokens(session, session.splits.val.slice(0, GREEDY_EXAMPLES), GREEDY_TOKENS);
  } finally {
    session.dispose();
  }
}
