// The typed event stream of a training run, and the IPC control messages.
// Pure TypeScript (no tfjs): the CLI prints these, the engine's child process
// sends them over `process.send`, and the extension's run manager receives them.
// Every event carries the run directory and an ISO timestamp, so a listener
// following several runs can tell them apart.

import type { BackendName } from './experiment';
import { chanceLine, type EvalMetrics, type TrainMetrics } from './metricRecords';

/** A tfjs backend a run can end up on. */
export type ResolvedBackend = 'tensorflow-gpu' | 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';

/** The WebGPU adapter a run used, as Dawn reports it. */
export interface AdapterInfo { vendor: string; architecture: string; device: string; description: string; fallback: boolean }

export interface BackendAttempt { name: string; ok: boolean; reason?: string }

/**
 * What the engine's `selectBackend` found: the backend in use and why the
 * others were skipped. Defined here (no tfjs) so the extension reads it too.
 */
export interface BackendReport {
  name: ResolvedBackend;
  simd?: boolean;
  threads?: number;
  fastBatchMatMul?: boolean;   // wasm only: batched matmuls routed through XNNPACK (engine/model/fastBatchMatMul.ts)
  adapter?: AdapterInfo;       // webgpu only
  softwareAdapter?: boolean;   // webgpu only: a CPU (software) adapter, taken because webgpu was asked for by name
  tried: BackendAttempt[];
}

/** One line for logs: `wasm (simd, 1 thread); skipped tensorflow-gpu: MODULE_NOT_FOUND …`. */
export function describeBackend(r: BackendReport): string {
  const bits: string[] = [];
  if (r.adapter !== undefined) {
    const a = r.adapter;
    bits.push(`adapter ${[a.vendor, a.architecture, a.device].filter((x) => x.length > 0).join(' / ') || a.description || 'unnamed'}`);
    if (r.softwareAdapter) bits.push('software adapter: slower than wasm, for checks only');
  }
  if (r.simd !== undefined) bits.push(r.simd ? 'simd' : 'no simd');
  if (r.threads !== undefined) bits.push(`${r.threads} thread${r.threads === 1 ? '' : 's'}`);
  if (r.fastBatchMatMul) bits.push('fast batched matmul');
  const skipped = r.tried.filter((t) => !t.ok).map((t) => `${t.name}: ${t.reason}`);
  return `${r.name}${bits.length ? ` (${bits.join(', ')})` : ''}${skipped.length ? `; skipped ${skipped.join('; ')}` : ''}`;
}

export type RunStatus = 'running' | 'completed' | 'stopped' | 'failed';

interface EventBase {
  runDir: string;
  time: string;          // ISO-8601
}

export interface StartedEvent extends EventBase {
  type: 'started';
  name: string;
  method: string;
  backend: BackendReport;
  totalSteps: number;
  totalEpochs: number;
  stepsPerEpoch: number;
  resumedFromStep: number;   // 0 for a fresh run
  trainExamples: number;
  parameters: { total: number; trainable: number };
}

export interface ProgressEvent extends EventBase {
  type: 'progress';
  step: number;            // steps done so far (1-based count)
  totalSteps: number;
  epoch: number;           // 0-based
  totalEpochs: number;
  stage: string;           // e.g. 'sft', 'livr stage 1 (bottleneck)'
  loss: number;
  lr: number;
  examplesPerSecond: number;
  etaSeconds: number;
}

// The records a run writes to metrics.jsonl are defined once, in ./metricRecords.
export type { EvalDiagnostics, EvalMetrics, MetricsRecord, TrainMetrics } from './metricRecords';

export interface MetricsEvent extends EventBase {
  type: 'metrics';
  record: TrainMetrics;
}

export interface EvaluationEvent extends EventBase {
  type: 'evaluation';
  record: EvalMetrics;
}

export interface CheckpointEvent extends EventBase {
  type: 'checkpoint';
  step: number;
  path: string;            // the checkpoint folder
  reason: 'periodic' | 'final' | 'stop';
}

export interface LogEvent extends EventBase {
  type: 'log';
  level: 'info' | 'warning';
  message: string;
}

export interface DoneEvent extends EventBase {
  type: 'done';
  status: Exclude<RunStatus, 'running' | 'failed'>;
  step: number;
  wallSeconds: number;
  finalEval?: EvalMetrics;
}

export interface ErrorEvent extends EventBase {
  type: 'error';
  message: string;
  step: number;
}

export type EngineEvent =
  | StartedEvent | ProgressEvent | MetricsEvent | EvaluationEvent
  | CheckpointEvent | LogEvent | DoneEvent | ErrorEvent;

export type EngineEventType = EngineEvent['type'];

// ---- IPC: parent → child -------------------------------------------------

/** What the engine child process should do. */
export type EngineJob =
  | { kind: 'train'; experimentFile: string; outDir?: string; backend?: BackendName; maxSteps?: number }
  | { kind: 'resume'; runDir: string }
  | { kind: 'eval'; target: string; split?: 'val' | 'test' };

export type ControlMessage =
  | { type: 'start'; job: EngineJob }
  | { type: 'stop' }              // finish the current step, checkpoint, exit 0
  | { type: 'heartbeat' };        // the parent is alive; the child answers with nothing

// ---- IPC: child → parent -------------------------------------------------

export type ChildMessage =
  | { type: 'event'; event: EngineEvent }
  | { type: 'exit'; code: number };

export function isControlMessage(x: unknown): x is ControlMessage {
  if (typeof x !== 'object' || x === null) return false;
  const t = (x as { type?: unknown }).type;
  return t === 'start' || t === 'stop' || t === 'heartbeat';
}

export function isChildMessage(x: unknown): x is ChildMessage {
  if (typeof x !== 'object' || x === null) return false;
  const t = (x as { type?: unknown }).type;
  return t === 'event' || t === 'exit';
}

// ---- text form -------------------------------------------------------------

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

function meanOf(byTask: Record<string, number>): number {
  const v = Object.values(byTask);
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : 0;
}

function accuracyLine(acc: Record<string, number>, mean: number): string {
  const parts = Object.entries(acc).map(([task, a]) => `${task} ${pct(a)}`);
  return `mean ${pct(mean)}${parts.length > 1 ? ` (${parts.join(', ')})` : ''}`;
}

function objectAttentionLine(a: NonNullable<EvalMetrics['diagnostics']['answer_object_attention']>): string {
  if (a.examples === 0) return 'no evaluated example names an object (only synthetic tasks mark one)';
  const share = a.image > 0 ? a.object / a.image : 0;
  return `${a.object.toFixed(4)} on the named object, ${a.image.toFixed(4)} on the image: ${pct(share)} of it (spread evenly ${pct(a.uniform)}), ${a.examples} examples`;
}

/** Lines describing an eval record: accuracy per task, then each diagnostic. */
export function describeEval(r: EvalMetrics): string[] {
  const lines = [`eval @ step ${r.step} on ${r.split} (${r.examples} examples): accuracy ${accuracyLine(r.accuracy, r.mean_accuracy)}`];
  if (r.majority) lines.push(`  ${chanceLine(r.majority)}`);
  const d = r.diagnostics;
  const chance = r.majority ? ` | chance ${pct(meanOf(r.majority))}` : '';
  if (d.drop_latents) lines.push(`  latents removed:       accuracy ${accuracyLine(d.drop_latents.accuracy, d.drop_latents.mean_accuracy)}${chance}`);
  if (d.bottleneck_mask) lines.push(`  bottleneck mask:       accuracy ${accuracyLine(d.bottleneck_mask.accuracy, d.bottleneck_mask.mean_accuracy)}${chance}`);
  if (d.bottleneck_drop_latents) lines.push(`  bottleneck + removed:  accuracy ${accuracyLine(d.bottleneck_drop_latents.accuracy, d.bottleneck_drop_latents.mean_accuracy)}${chance}`);
  if (d.answer_latent_attention !== undefined) lines.push(`  answer→latent attention: ${d.answer_latent_attention.toFixed(4)}`);
  if (d.answer_object_attention) lines.push(`  answer→object attention: ${objectAttentionLine(d.answer_object_attention)}`);
  if (d.latent_swap) lines.push(`  latent swap:           ${pct(d.latent_swap.followed)} of ${d.latent_swap.pairs} answers follow the other image's latents`);
  if (d.latent_diversity) lines.push(`  latent diversity:      cosine across examples ${d.latent_diversity.across_examples.toFixed(3)}, across positions ${d.latent_diversity.across_positions.toFixed(3)}`);
  if (d.latent_sensitivity) lines.push(`  latent sensitivity:    image changed ${d.latent_sensitivity.image.toFixed(3)}, question changed ${d.latent_sensitivity.question.toFixed(3)} (relative move of the latent states)`);
  if (d.corrupted_images) lines.push(`  corrupted images:      accuracy ${accuracyLine(d.corrupted_images.accuracy, d.corrupted_images.mean_accuracy)}`);
  if (d.corrupted_images_drop_latents) lines.push(`  corrupted, no latents: accuracy ${accuracyLine(d.corrupted_images_drop_latents.accuracy, d.corrupted_images_drop_latents.mean_accuracy)}`);
  return lines;
}

/**
 * The log line(s) for an event, as the CLI prints them and train.log stores
 * them. Progress events have none: they drive the progress bar only.
 */
export function describeEvent(e: EngineEvent): string[] {
  switch (e.type) {
    case 'started': {
      return [
        `run ${e.name} (${e.method}) in ${e.runDir}`,
        `backend ${describeBackend(e.backend)}`,
        `${e.trainExamples} training examples, ${e.totalEpochs} epochs × ${e.stepsPerEpoch} steps = ${e.totalSteps} steps; ` +
          `${e.parameters.trainable}/${e.parameters.total} parameters trainable` +
          (e.resumedFromStep ? `; resuming after step ${e.resumedFromStep}` : ''),
      ];
    }
    case 'progress': return [];
    case 'metrics': {
      const r = e.record;
      const terms = Object.entries(r.terms).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(' ');
      return [`step ${r.step} epoch ${r.epoch + 1} [${r.stage}] loss ${r.loss.toFixed(4)}${terms ? ` (${terms})` : ''} lr ${r.lr.toExponential(2)} |g| ${r.grad_norm.toFixed(3)} ${r.examples_per_s.toFixed(1)} ex/s`];
    }
    case 'evaluation': return describeEval(e.record);
    case 'checkpoint': return [`checkpoint (${e.reason}) step ${e.step}: ${e.path}`];
    case 'log': return [e.level === 'warning' ? `warning: ${e.message}` : e.message];
    case 'done': return [`${e.status} after ${e.step} steps in ${e.wallSeconds.toFixed(1)} s`];
    case 'error': return [`error at step ${e.step}: ${e.message}`];
  }
}
