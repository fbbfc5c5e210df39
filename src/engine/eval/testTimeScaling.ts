// Test-time scaling (seeds/002, Figure 2, "reasoning length analysis"): the paper
// plots accuracy against the length of the reasoning at inference (100 to 300
// generated tokens) and finds VaLR the one method whose accuracy grows with it,
// K = 16 latents per segment fixed. The axis here is the same: at most N' reasoning
// steps at inference, N' ∈ valr.test_time_reasoning_steps, each step a <latent>
// block of K = latents.count latents and the text the model writes; each row also
// gives the mean generated length in positions, the paper's x axis.
//
// A second, cheaper axis is kept: K' latents per step, K' ∈ valr.test_time_steps,
// with the steps capped at valr.max_steps. K' ≤ K always works; K' > K needs
// latents that do not index a K-row table (feedback hidden_state or embedding
// shared); other K' are reported as skipped.
//
// Written at the end of a valr run as test_time_scaling.json and a Markdown
// table test_time_scaling.md in the run directory.
import * as fs from 'node:fs';
import { runPaths } from '../../core/runLayout';
import { writeFileAtomic } from '../../core/atomicWrite';
import type { Session } from '../session';
import { scoreGeneration } from './valrGenerate';

/** One point of the paper's curve: at most `reasoning_steps` steps at inference. */
export interface ReasoningLengthRow {
  reasoning_steps: number;
  mean_generated_length: number;                // positions generated after the prompt, mean over examples
  mean_accuracy: number;
  accuracy: Record<string, number>;
}

/** One point of the second axis: `latents_per_step` latents in every block. */
export interface ScalingRow {
  latents_per_step: number;
  mean_accuracy: number | null;                 // null: skipped
  accuracy: Record<string, number>;
  skipped?: string;
}

export interface ScalingReport {
  type: 'test_time_scaling';
  split: 'val' | 'test';
  step: number;
  trained_latents_per_step: number;
  trained_reasoning_steps: number;              // valr.max_steps
  feedback: string;
  embedding: string;
  examples: number;
  reasoning_length: ReasoningLengthRow[];       // the paper's axis (Figure 2)
  rows: ScalingRow[];                           // latents per step
}

interface SweepArgs { split: 'val' | 'test'; step: number; maxExamples: number; shouldStop?: () => boolean }

/** Accuracy and generated length with at most N' steps of K latents, for each N'. */
async function reasoningLengthSweep(session: Session, a: SweepArgs): Promise<{ rows: ReasoningLengthRow[]; examples: number }> {
  const cfg = session.config;
  const rows: ReasoningLengthRow[] = [];
  let examples = 0;
  for (const n of cfg.method.valr.test_time_reasoning_steps) {
    const r = await scoreGeneration(session, a.split, a.step, a.maxExamples,
      { latentsPerStep: cfg.latents.count, maxSteps: n, feedback: cfg.latents.feedback }, a.shouldStop);
    examples = r.record.examples;
    rows.push({ reasoning_steps: n, mean_generated_length: r.meanLength, mean_accuracy: r.record.mean_accuracy, accuracy: r.record.accuracy });
  }
  return { rows, examples };
}

/** Accuracy with K' latents per step (steps capped at max_steps), for each K' that fits. */
async function latentsPerStepSweep(session: Session, a: SweepArgs): Promise<ScalingRow[]> {
  const cfg = session.config;
  const K = cfg.latents.count;
  const unbounded = cfg.latents.feedback === 'hidden_state' || cfg.latents.embedding === 'shared';
  const maxFits = maxLatentsPerStep(K, cfg.method.valr.test_time_steps, unbounded);
  const rows: ScalingRow[] = [];
  for (const k of cfg.method.valr.test_time_steps) {
    if (k > K && !unbounded) { rows.push({ latents_per_step: k, mean_accuracy: null, accuracy: {}, skipped: `K'=${k} > K=${K} with unshared embeddings` }); continue; }
    if (k > maxFits) { rows.push({ latents_per_step: k, mean_accuracy: null, accuracy: {}, skipped: 'sequence too short' }); continue; }
    const r = await scoreGeneration(session, a.split, a.step, a.maxExamples,
      { latentsPerStep: k, maxSteps: cfg.method.valr.max_steps, feedback: cfg.latents.feedback }, a.shouldStop);
    rows.push({ latents_per_step: k, mean_accuracy: r.record.mean_accuracy, accuracy: r.record.accuracy });
  }
  return rows;
}

export async function testTimeScaling(session: Session, split: 'val' | 'test', step: number, maxExamples: number,
  shouldStop?: () => boolean): Promise<ScalingReport> {
  const cfg = session.config;
  const args: SweepArgs = { split, step, maxExamples, shouldStop };
  const length = await reasoningLengthSweep(session, args);
  const rows = await latentsPerStepSweep(session, args);
  return {
    type: 'test_time_scaling', split, step, trained_latents_per_step: cfg.latents.count, trained_reasoning_steps: cfg.method.valr.max_steps,
    feedback: cfg.latents.feedback, embedding: cfg.latents.embedding, examples: length.examples, reasoning_length: length.rows, rows,
  };
}

/** The largest K' the session's sequence length is built for (methods/valr.ts sizes T with it). */
export function maxLatentsPerStep(K: number, testTimeSteps: number[], unbounded: boolean): number {
  return unbounded ? Math.max(K, ...testTimeSteps) : K;
}

export function scalingMarkdown(r: ScalingReport): string {
  const tasks = [...new Set([...r.reasoning_length, ...r.rows].flatMap((row) => Object.keys(row.accuracy)))].sort();
  const pct = (x: number | undefined | null) => (x === null || x === undefined ? '–' : `${(100 * x).toFixed(1)}%`);
  const head = (first: string[]) => [`| ${[...first, ...tasks].join(' | ')} |`, `|${[...first, ...tasks].map(() => '---:').join('|')}|`];
  const lines = [
    `# Test-time scaling (${r.split}, step ${r.step})`, '',
    `Trained with K = ${r.trained_latents_per_step} latents per step and ${r.trained_reasoning_steps} reasoning steps (feedback ${r.feedback}, embedding ${r.embedding}); ${r.examples} examples; greedy generation, exact match.`, '',
    '## Accuracy vs reasoning length (VaLR Figure 2)', '',
    `At most N' reasoning steps at inference, K = ${r.trained_latents_per_step} latents each; length: positions generated after the prompt (mean).`, '',
    ...head(['reasoning steps', 'mean length', 'mean accuracy']),
    ...r.reasoning_length.map((row) => `| ${row.reasoning_steps} | ${row.mean_generated_length.toFixed(1)} | ${pct(row.mean_accuracy)} | ${tasks.map((t) => pct(row.accuracy[t])).join(' | ')} |`),
    '', '## Accuracy vs latents per step', '',
    ...head(['latents per step', 'mean accuracy']),
    ...r.rows.map((row) => `| ${row.latents_per_step} | ${row.skipped ? `skipped: ${row.skipped}` : pct(row.mean_accuracy)} | ${tasks.map((t) => pct(row.accuracy[t])).join(' | ')} |`),
  ];
  return lines.join('\n') + '\n';
}

/** Runs both sweeps and writes both files into runDir; returns the report. A stop request (EvalInterrupted) writes neither. */
export async function writeTestTimeScaling(session: Session, runDir: string, step: number, shouldStop?: () => boolean): Promise<ScalingReport> {
  const cfg = session.config;
  const report = await testTimeScaling(session, cfg.eval.split, step, cfg.eval.max_examples, shouldStop);
  fs.mkdirSync(runDir, { recursive: true });
  const p = runPaths(runDir);
  writeFileAtomic(p.testTimeScaling, JSON.stringify(report, null, 2) + '\n');
  writeFileAtomic(p.testTimeScalingTable, scalingMarkdown(report));
  return report;
}
