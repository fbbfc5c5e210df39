// `latent-lab pretrain`: trains a base model (kind: pretrain, plain SFT on a
// broad task mix) and packages it as a base the other experiments start from:
//
//   <ship>/checkpoint/        engine checkpoint, weights + tokenizer only (model.init_from points here)
//   <ship>/model.safetensors  the same weights under docs/model.md's names
//   <ship>/card.json          config, training time, per-task test accuracy against chance
//   <ship>/MODEL_CARD.md      the same, for people
//
// The base is what makes the methods measurable: a model trained from scratch
// on one small task stays at the answer prior (issue 7), so every comparison
// starts from a model that already uses its image.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ExperimentConfig } from '../core/experiment';
import type { EvalMetrics } from '../core/events';
import { latestCheckpoint, readSummary, runPaths } from '../core/runLayout';
import { loadExperiment } from '../core/validator';
import { chanceByTask, type TaskChance } from './eval/chance';
import { writeFileAtomic } from '../core/atomicWrite';
import { loadCheckpoint, saveCheckpoint } from './checkpoint';
import { generateSplits } from './data/splits';
import { writeSafetensors } from './export';
import { evaluateTarget, trainExperiment, type RunOptions } from './run';
import { READ_LIMITS, readTextBounded } from '../core/boundedRead';
import { withoutProbeHeads } from './methods/probeHeads';

export interface BaseCard {
  name: string;
  created: string;
  source: string;                      // the experiment file, relative to the repository
  reproduce: string;                   // the one command that rebuilds this base
  model: ExperimentConfig['model'];
  image_size: number;
  tasks: ExperimentConfig['data']['tasks'];
  training: {
    steps: number; wall_seconds: number; examples_per_second: number; backend: string; machine: string;
    stages?: { name: string; source: string; steps: number; wall_seconds: number }[];   // curriculum: earlier bases first
  };
  test: Record<string, { accuracy: number; chance: TaskChance; examples: number }>;
  mean_test_accuracy: number;
}

export interface PretrainOptions extends RunOptions {
  shipDir?: string;    // where to package the base; default <runDir>/base
  reproduce?: string;  // command recorded in the card; default: the `latent-lab pretrain` command with these options
}

export async function pretrainBase(file: string, opts: PretrainOptions = {}): Promise<{ runDir: string; card: BaseCard; shipDir: string }> {
  const config = loadExperiment(file);
  if (config.kind !== 'pretrain') {
    throw new Error(`${file}: kind is '${config.kind}'; latent-lab pretrain builds a base model from a 'kind: pretrain' experiment (use latent-lab train for this file)`);
  }
  if (config.sweep) throw new Error(`${file}: sweep: a pretraining run builds one base; remove the sweep block`);
  const started = Date.now();
  const [result] = await trainExperiment(file, opts);
  if (result.status !== 'completed') throw new Error(`pretraining ${result.status}: ${result.summary.error ?? 'see ' + runPaths(result.runDir).log}`);
  const wall = (Date.now() - started) / 1000;

  const evalRecord: EvalMetrics = await evaluateTarget(result.runDir, { split: 'test', maxExamples: 0 });
  const initFrom = opts.initFrom ?? config.model.init_from;
  const earlier = initFrom ? readCardNextTo(initFrom) : undefined;
  // Paths in the card are relative to where the command runs: it must not name this machine's folders.
  const rel = (p: string): string => path.relative(process.cwd(), path.resolve(p));
  const source = rel(file);
  const splits = await generateSplits(config.data, config.seed);
  const chance = chanceByTask(splits.train, splits.test);
  const summary = readSummary(result.runDir);
  const steps = summary?.step ?? 0;
  const test: BaseCard['test'] = {};
  for (const [task, accuracy] of Object.entries(evalRecord.accuracy)) {
    test[task] = { accuracy, chance: chance[task], examples: splits.test.filter((e) => e.task === task).length };
  }
  const card: BaseCard = {
    name: config.name,
    created: new Date().toISOString(),
    source: (earlier ? earlier.source + ', then ' : '') + source,
    reproduce: opts.reproduce ?? ['node dist/cli.js pretrain', source,
      ...(opts.initFrom ? [`--init-from ${rel(opts.initFrom)}`] : []),
      ...(opts.maxSteps !== undefined ? [`--max-steps ${opts.maxSteps}`] : []),
      ...(opts.shipDir ? [`--ship ${rel(opts.shipDir)}`] : [])].join(' '),
    model: { ...config.model, ...(initFrom ? { init_from: rel(initFrom) } : {}) },
    image_size: config.data.image_size,
    tasks: config.data.tasks,
    training: {
      steps,
      wall_seconds: Math.round(wall),
      examples_per_second: Math.round((steps * config.train.batch_size) / wall),
      backend: summary?.backend?.name ?? 'unknown',
      machine: `${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'unknown cpu'}`,
      ...(earlier ? { stages: [...stagesOf(earlier), { name: config.name, source, steps, wall_seconds: Math.round(wall) }] } : {}),
    },
    test,
    mean_test_accuracy: evalRecord.mean_accuracy,
  };
  const shipDir = path.resolve(opts.shipDir ?? path.join(result.runDir, 'base'));
  packageBase(result.runDir, shipDir, card);
  return { runDir: result.runDir, card, shipDir };
}

/** The card of the base whose checkpoint/ folder `checkpointDir` is, if it has one (a curriculum's earlier stage). */
function readCardNextTo(checkpointDir: string): BaseCard | undefined {
  const file = path.join(path.dirname(path.resolve(checkpointDir)), 'card.json');
  return fs.existsSync(file) ? JSON.parse(readTextBounded(file, READ_LIMITS.runJson, 'model card')) as BaseCard : undefined;
}

/** The stages a base went through: its recorded stages, or itself as one stage. */
function stagesOf(card: BaseCard): NonNullable<BaseCard['training']['stages']> {
  return card.training.stages ?? [{ name: card.name, source: card.source, steps: card.training.steps, wall_seconds: card.training.wall_seconds }];
}

/** Writes the base folder: weights-only checkpoint, safetensors, card. */
export function packageBase(runDir: string, shipDir: string, card: BaseCard): void {
  const latest = latestCheckpoint(runDir);
  if (!latest) throw new Error(`${runDir} has no checkpoint to package (checkpoints/latest is missing)`);
  const full = loadCheckpoint(latest);
  const weights = withoutProbeHeads(full.weights);   // the model's weights only
  fs.mkdirSync(shipDir, { recursive: true });
  // saveCheckpoint writes <dir>/step-N atomically; stage it, then swap it in as <ship>/checkpoint.
  const staging = fs.mkdtempSync(path.join(shipDir, '.staging-'));
  const written = saveCheckpoint(staging, {
    step: full.step, epoch: 0, positionInEpoch: 0, weights, rng: {}, tokenizer: full.tokenizer,
    meta: { ...full.meta, base: card.name, pixel_norm: card.model.pixel_norm },
  });
  const target = path.join(shipDir, 'checkpoint');
  fs.rmSync(target, { recursive: true, force: true });
  fs.renameSync(written, target);
  fs.rmSync(staging, { recursive: true, force: true });
  writeSafetensors(path.join(shipDir, 'model.safetensors'), weights, {
    format: 'latent-lab tiny-vlm', config: JSON.stringify({ model: card.model, image_size: card.image_size }), tokenizer: JSON.stringify(full.tokenizer),
  });
  writeFileAtomic(path.join(shipDir, 'card.json'), JSON.stringify(card, null, 2) + '\n');
  writeFileAtomic(path.join(shipDir, 'MODEL_CARD.md'), renderCard(card));
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export function renderCard(c: BaseCard): string {
  const rows = Object.entries(c.test).map(([task, t]) =>
    `| ${task} | ${pct(t.accuracy)} | ${pct(t.chance.majority)} | ${pct(t.chance.uniform)} | ${t.examples} |`);
  const m = c.model;
  return `# ${c.name}: the tiny-vlm base

A tiny vision-language model (docs/model.md) pretrained by plain SFT on a broad
mix of generated perception tasks, so that fine-tuning experiments start from a
model that already uses its image.

- **Architecture:** image ${c.image_size}×${c.image_size}, patch ${m.patch_size} (pixel_norm ${m.pixel_norm}), vision d ${m.d_vision} × ${m.vision_layers} layers × ${m.vision_heads} heads, decoder d ${m.d_model} × ${m.layers} layers × ${m.heads} heads, MLP ×${m.mlp_ratio}.
- **Training:** ${c.training.stages ? c.training.stages.map((st, i) => `stage ${i + 1} (${st.source}) ${st.steps} steps in ${Math.round(st.wall_seconds / 60)} min`).join(', then ') + '; the last stage' : `${c.training.steps} steps`} at ${c.training.examples_per_second} examples/s on ${c.training.machine}, backend ${c.training.backend}.
- **Reproduce:** \`${c.reproduce}\` (from ${c.source}).
- **Files:** \`checkpoint/\` (engine format; \`model.init_from\` points here), \`model.safetensors\` (weights under docs/model.md's names; config and tokenizer in its metadata), \`card.json\`.

## Held-out test accuracy (exact match, greedy)

| task | accuracy | chance (majority answer) | chance (uniform) | test examples |
|---|---|---|---|---|
${rows.join('\n')}

Mean over tasks: ${pct(c.mean_test_accuracy)}. Created ${c.created}.
`;
}
