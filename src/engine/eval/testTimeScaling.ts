// Test-time scaling (seeds/002, Fig. 2): accuracy against the number of latent
// tokens per reasoning step used at inference, K' ∈ valr.test_time_steps.
// Written at the end of a valr run as test_time_scaling.json and a Markdown
// table test_time_scaling.md in the run directory.
//
// K' ≤ K always works; K' > K needs latents that do not index a K-row table:
// feedback hidden_state or embedding shared. Other K' are reported as skipped.
import * as fs from 'node:fs';
import { runPaths } from '../../core/runLayout';
import { writeFileAtomic } from '../../core/atomicWrite';
import type { Session } from '../session';
import { evaluateValr } from './valrGenerate';

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
  feedback: string;
  embedding: string;
  examples: number;
  rows: ScalingRow[];
}

export async function testTimeScaling(session: Session, split: 'val' | 'test', step: number, maxExamples: number,
  shouldStop?: () => boolean): Promise<ScalingReport> {
  const cfg = session.config;
  const K = cfg.latents.count;
  const unbounded = cfg.latents.feedback === 'hidden_state' || cfg.latents.embedding === 'shared';
  const maxFits = maxLatentsPerStep(cfg.latents.count, cfg.method.valr.test_time_steps, unbounded);
  let examples = 0;
  const rows: ScalingRow[] = [];
  for (const k of cfg.method.valr.test_time_steps) {
    if (k > K && !unbounded) { rows.push({ latents_per_step: k, mean_accuracy: null, accuracy: {}, skipped: `K'=${k} > K=${K} with unshared embeddings` }); continue; }
    if (k > maxFits) { rows.push({ latents_per_step: k, mean_accuracy: null, accuracy: {}, skipped: 'sequence too short' }); continue; }
    const r = await evaluateValr(session, split, step, maxExamples, k, shouldStop);
    examples = r.examples;
    rows.push({ latents_per_step: k, mean_accuracy: r.mean_accuracy, accuracy: r.accuracy });
  }
  return {
    type: 'test_time_scaling', split, step, trained_latents_per_step: K, feedback: cfg.latents.feedback,
    embedding: cfg.latents.embedding, examples, rows,
  };
}

/** The largest K' the session's sequence length is built for (session.ts sizes T with it). */
export function maxLatentsPerStep(K: number, testTimeSteps: number[], unbounded: boolean): number {
  return unbounded ? Math.max(K, ...testTimeSteps) : K;
}

export function scalingMarkdown(r: ScalingReport): string {
  const tasks = [...new Set(r.rows.flatMap((row) => Object.keys(row.accuracy)))].sort();
  const pct = (x: number | undefined | null) => (x === null || x === undefined ? '–' : `${(100 * x).toFixed(1)}%`);
  const lines = [
    `# Test-time scaling (${r.split}, step ${r.step})`, '',
    `Trained with K = ${r.trained_latents_per_step} latents per step (feedback ${r.feedback}, embedding ${r.embedding}); ${r.examples} examples; greedy generation, exact match.`, '',
    `| latents per step | mean accuracy | ${tasks.join(' | ')} |`,
    `|---:|---:|${tasks.map(() => '---:').join('|')}|`,
    ...r.rows.map((row) => `| ${row.latents_per_step} | ${row.skipped ? `skipped: ${row.skipped}` : pct(row.mean_accuracy)} | ${tasks.map((t) => pct(row.accuracy[t])).join(' | ')} |`),
  ];
  return lines.join('\n') + '\n';
}

/** Runs the sweep and writes both files into runDir; returns the report. A stop request (EvalInterrupted) writes neither. */
export async function writeTestTimeScaling(session: Session, runDir: string, step: number, shouldStop?: () => boolean): Promise<ScalingReport> {
  const cfg = session.config;
  const report = await testTimeScaling(session, cfg.eval.split, step, cfg.eval.max_examples, shouldStop);
  fs.mkdirSync(runDir, { recursive: true });
  const p = runPaths(runDir);
  writeFileAtomic(p.testTimeScaling, JSON.stringify(report, null, 2) + '\n');
  writeFileAtomic(p.testTimeScalingTable, scalingMarkdown(report));
  return report;
}
