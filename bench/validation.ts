// Validation latency for a generated 1,000-line experiment file: the median of
// 50 runs of validateExperimentText (parse, extends, schema with defaults,
// semantic and path checks), and completion latency in the same file (method.kind
// values and keys under model:), as the language server computes them. Target: < 20 ms each.
//   npx tsc -p . && node out/bench/validation.js
import * as os from 'node:os';
import { validateExperimentText, type ValidatorHost } from '../src/core/validator';
import { completionsAt } from '../src/server/completion';

const RUNS = 50;
const LINES = 1000;

// A realistic file: every block written out, comments, a task mix, and a long
// sweep of seeds and comments to reach the line count.
function generateExperiment(lines: number): string {
  const head = `# generated for bench/validation.ts
name: bench
kind: train
seed: 0
runtime: {backend: auto, threads: 0, native_kernels: auto}
data:
  source: synthetic
  image_size: 32
  answer_format: multiple_choice
  max_text_tokens: 48
  tasks:
${['counting', 'spatial_relation', 'localization', 'jigsaw', 'correspondence', 'similarity', 'small_object']
    .map((t) => `    - name: ${t}   # task\n      train: 1500\n      val: 150\n      test: 150`).join('\n')}
model:
  patch_size: 4
  d_vision: 64
  vision_layers: 2
  vision_heads: 4
  d_model: 64
  layers: 3
  heads: 4
  mlp_ratio: 4
  finetune:
    mode: full
    lora: {rank: 8, alpha: 16, targets: [attn_q, attn_k, attn_v, attn_o, mlp_in, mlp_out]}
latents: {count: 8, embedding: unshared, placement: after_prompt, feedback: embedding}
method:
  kind: crystal
  crystal:
    corruption: {modes: [blur, mask, jigsaw, noise, color], intensity: [0.3, 0.7]}
    weights: {ce_intact: 1, ce_corrupted: 1, kl: 0.5, attention: 0.5}
    alignment_layers: [0, 1, 2]
    alignment_target: answer_to_latents
    distance: frobenius
train:
  epochs: 3
  batch_size: 32
  optimizer: {kind: adamw, lr: 0.001, weight_decay: 0.01}
  schedule: {kind: cosine, warmup_steps: 50}
eval:
  diagnostics: [drop_latents, bottleneck_mask, answer_latent_attention]
  capture: {examples: 4, layers: all}
sweep:
  fields:
    latents.count: [4, 8, 16, 32]
    method.crystal.distance: [frobenius, kl]
  seeds:
`;
  const used = head.split('\n').length - 1;
  // 8 combinations × 128 seeds is the most one sweep may start (core/validate/limits.ts); comments fill the rest.
  const seeds = Array.from({ length: Math.min(128, lines - used) }, (_, i) => `    - ${i}   # seed`);
  const notes = Array.from({ length: lines - used - seeds.length }, (_, i) => `# note ${i}`);
  return `${head}${[...seeds, ...notes].join('\n')}\n`;
}

const host: ValidatorHost = { readFile: () => undefined, fileExists: () => false };
const text = generateExperiment(LINES);
const file = '/bench/bench.experiment.yaml';

const first = validateExperimentText(text, file, host);   // also compiles the schema once
if (first.problems.length) throw new Error(`bench file is not valid: ${first.problems[0].message}`);

const times: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const t0 = process.hrtime.bigint();
  validateExperimentText(text, file, host);
  times.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
times.sort((a, b) => a - b);
const median = times[Math.floor(RUNS / 2)];
console.log(`validation: ${text.split('\n').length - 1}-line experiment, median ${median.toFixed(2)} ms over ${RUNS} runs `
  + `(min ${times[0].toFixed(2)}, max ${times[RUNS - 1].toFixed(2)}; node ${process.version}, ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)})`);

// Completion: the value list after `kind: ` under method, and the keys of `model:`.
const lines = text.split('\n');
const kindLine = lines.findIndex((l) => /^  kind: /.test(l));
const modelLine = lines.findIndex((l) => /^model:/.test(l));
if (kindLine < 0 || modelLine < 0) throw new Error('bench file lacks method.kind or model:');
const probes = [
  { what: 'method.kind values', pos: { line: kindLine, character: lines[kindLine].length } },
  { what: 'model keys', pos: { line: modelLine + 1, character: 2 } },
];
for (const p of probes) {
  const items = completionsAt(text, p.pos);
  if (items.length === 0) throw new Error(`no completion items for ${p.what}`);
  const ct: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    completionsAt(text, p.pos);
    ct.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  ct.sort((a, b) => a - b);
  console.log(`completion (${p.what}, ${items.length} items): median ${ct[Math.floor(RUNS / 2)].toFixed(2)} ms over ${RUNS} runs (min ${ct[0].toFixed(2)}, max ${ct[RUNS - 1].toFixed(2)})`);
}
