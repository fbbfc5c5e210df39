// `latent-lab eval FILE.experiment.yaml`: the accuracy a run of FILE starts from.
// Every sweep entry's model as training would build it (model.init_from loaded,
// new adapters at their zero update, new latent rows at init), evaluated on the
// experiment's split with its eval settings, nothing trained and nothing written.
// It is the "no fine-tuning" row of a comparison: the same test sets, seed by seed.
import type { EvalMetrics } from '../../core/events';
import { expandSweep, loadExperiment } from '../../core/validator';
import { evaluate } from './evaluate';
import { startBackend } from '../run';
import { buildSession, checkSupported } from '../session';

export interface StartingPoint { label: string; seed: number; record: EvalMetrics }

export async function evaluateStartingPoint(file: string, o: { split: 'val' | 'test'; maxExamples?: number; log?: (m: string) => void }): Promise<StartingPoint[]> {
  const entries = expandSweep(loadExperiment(file));
  for (const e of entries) {
    checkSupported(e.config);
    if (!e.config.model.init_from) {
      throw new Error(`${file}: model.init_from is not set, so a run starts from a random init and there is nothing to evaluate before training; set model.init_from or evaluate a run directory`);
    }
  }
  const { backend, native } = await startBackend(entries[0].config);
  o.log?.(`backend ${backend.name}; ${native}`);
  const out: StartingPoint[] = [];
  for (const e of entries) {
    const session = await buildSession(e.config, { log: o.log });
    try {
      const record = await evaluate(session, o.split, {
        step: 0, maxExamples: o.maxExamples ?? e.config.eval.max_examples, diagnostics: e.config.eval.diagnostics,
      });
      out.push({ label: e.label, seed: e.config.seed, record });
    } finally {
      session.dispose();
    }
  }
  return out;
}
