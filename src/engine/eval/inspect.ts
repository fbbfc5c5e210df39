// `latent-lab inspect`: runs a checkpoint on the user's own examples and dumps
// every attention map (all layers, answer→latent, latent→image, answer→all)
// and every loss term per example into one capture file. A CrystaL checkpoint
// runs the dual path with its configured corruption ('eval' stream), so the
// dump holds both paths and the four loss terms.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PathCapture } from '../../core/capture';
import type { ExperimentConfig } from '../../core/experiment';
import { runDirOfCheckpoint, runPaths } from '../../core/runLayout';
import { loadExperiment } from '../../core/validator';
import { selectBackend } from '../backend';
import { buildCapture, writeCaptureFile } from './captureWriter';
import { loadCheckpoint } from '../checkpoint';
import { loadJsonl } from '../data/jsonl';
import { resolveCheckpoint } from '../export';
import { buildSession } from '../session';
import { READ_LIMITS, readTextBounded } from '../../core/boundedRead';

export interface InspectOptions {
  examples: string;              // JSONL in the user-data format, images relative to its folder
  out: string;                   // capture file to write
  experiment?: string;           // config to use instead of the run's config.json
  log?: (line: string) => void;
}

export interface InspectResult {
  file: string;
  examples: { id: string; prediction: string; correct: boolean; losses: Record<string, number> }[];
}

function configOf(checkpointDir: string, experiment?: string): ExperimentConfig {
  if (experiment) return loadExperiment(path.resolve(experiment));
  const file = runPaths(runDirOfCheckpoint(checkpointDir)).config;
  if (!fs.existsSync(file)) throw new Error(`${checkpointDir} is not inside a run directory (no ${file}); pass --experiment FILE with the config it was trained with`);
  return JSON.parse(readTextBounded(file, READ_LIMITS.runJson, 'run config')) as ExperimentConfig;
}

export async function inspectCheckpoint(target: string, o: InspectOptions): Promise<InspectResult> {
  const ckptDir = resolveCheckpoint(target);
  const cfg = configOf(ckptDir, o.experiment);
  await selectBackend(cfg.runtime.backend, { threads: cfg.runtime.threads });
  const examplesFile = path.resolve(o.examples);
  if (!fs.existsSync(examplesFile)) throw new Error(`--examples ${o.examples}: no such file; give a JSONL file of {"image", "question", "choices"?, "answer"} lines`);
  const loaded = await loadJsonl(examplesFile, { imageRoot: path.dirname(examplesFile), imageSize: cfg.data.image_size, onError: 'fail', displayName: o.examples });
  if (loaded.examples.length === 0) throw new Error(`${o.examples}: no examples; add at least one line`);
  const ckpt = loadCheckpoint(ckptDir);
  const session = await buildSession(cfg, { tokenizerJson: ckpt.tokenizer, log: o.log });
  try {
    session.loadWeights(ckpt.weights, true);
    const capture = await buildCapture(session, loaded.examples, { step: ckpt.step, layers: 'all', answerToAll: true, losses: true, runName: path.basename(runDirOfCheckpoint(ckptDir)) });
    const file = writeCaptureFile(path.resolve(o.out), capture);
    const lossesOf = (p?: PathCapture) => p?.losses ?? {};
    return {
      file,
      examples: capture.examples.map((e) => ({
        id: e.id, prediction: e.prediction, correct: e.correct,
        losses: { ...lossesOf(e.paths.intact), ...lossesOf(e.paths.corrupted) },
      })),
    };
  } finally {
    session.dispose();
  }
}
