#!/usr/bin/env node
// Reads the run folders scripts/gpu-check.sh made and prints what they show.
// Plain JavaScript on purpose: it runs on the device machine with only the staged Node.
//   gpu-compare.js exact WEBGPU_RUN WASM_RUN   same losses step by step (exit 1 if not)
//   gpu-compare.js exact-report EXACT_JSON     one line from `latent-lab backend --exact … --json`
//   gpu-compare.js size WEBGPU_SWEEP WASM_SWEEP ms per train step by width, both backends
//   gpu-compare.js summary OUT                 everything as one JSON object
'use strict';
const fs = require('fs');
const path = require('path');

// Loss agreement between backends, the same as src/engine/webgpuCheck.ts's
// TRAIN_LOSS_TOLERANCE (a test keeps them equal; docs/gpu.md has the measurements).
const LOSS_TOLERANCE = 1e-4;

function records(runDir) {
  const f = path.join(runDir, 'metrics.jsonl');
  return fs.readFileSync(f, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
}
const trains = (dir) => records(dir).filter((r) => r.type === 'train');
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.floor(s.length / 2)] : NaN; };

function exact(a, b) {
  const A = trains(a), B = trains(b);
  if (A.length === 0 || A.length !== B.length) throw new Error(`different step counts: ${A.length} vs ${B.length}`);
  const diffs = A.map((r, i) => Math.abs(r.loss - B[i].loss));
  const worst = Math.max(...diffs);
  const res = { steps: A.length, first_loss: [A[0].loss, B[0].loss], last_loss: [A[A.length - 1].loss, B[B.length - 1].loss], max_abs_diff: worst, tolerance: LOSS_TOLERANCE, ok: worst <= LOSS_TOLERANCE };
  return res;
}

function sweepRuns(dir) {
  return fs.readdirSync(dir).filter((n) => fs.existsSync(path.join(dir, n, 'metrics.jsonl'))).sort();
}

function size(gpuDir, cpuDir) {
  const rows = [];
  for (const name of sweepRuns(gpuDir)) {
    const cfg = JSON.parse(fs.readFileSync(path.join(gpuDir, name, 'config.json'), 'utf8'));
    const ms = (dir) => {
      const t = trains(path.join(dir, name)).slice(2);   // the first steps compile shaders / warm caches
      return median(t.map((r) => (1000 * cfg.train.batch_size) / r.examples_per_s));
    };
    const g = ms(gpuDir), c = ms(cpuDir);
    rows.push({ d_model: cfg.model.d_model, webgpu_ms: +g.toFixed(1), wasm_ms: +c.toFixed(1), webgpu_over_wasm: +(g / c).toFixed(2) });
  }
  return rows;
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'exact') {
  const r = exact(args[0], args[1]);
  console.log(`losses over ${r.steps} steps: max |webgpu - wasm| = ${r.max_abs_diff.toExponential(2)} (tolerance ${LOSS_TOLERANCE}); last ${r.last_loss[0].toFixed(6)} vs ${r.last_loss[1].toFixed(6)}: ${r.ok ? 'OK' : 'FAIL'}`);
  process.exit(r.ok ? 0 : 1);
} else if (mode === 'exact-report') {
  const r = JSON.parse(fs.readFileSync(args[0], 'utf8'));
  const pct = (e) => `${(100 * e.mean_accuracy).toFixed(1)}%`;
  console.log(`losses over ${r.steps} steps: max |webgpu - wasm| = ${r.maxLossGap.toExponential(2)} (tolerance ${r.tolerances.loss}); ` +
    `grad norm ${r.maxGradNormGap.toExponential(2)} relative; greedy tokens ${r.generation.sameTokens ? 'equal' : 'DIFFER'}, ` +
    `max |dlogit| ${r.generation.maxLogitGap.toExponential(2)}; eval ${pct(r.eval.webgpu)} webgpu, ${pct(r.eval.wasm)} wasm, ` +
    `${pct(r.eval.webgpuCheckpointOnWasm)} webgpu checkpoint on wasm: ${r.failures.length ? 'FAIL ' + r.failures.join('; ') : 'OK'}`);
  process.exit(r.failures.length ? 1 : 0);
} else if (mode === 'size') {
  const rows = size(args[0], args[1]);
  console.log('| d_model | webgpu ms/step | wasm+native ms/step | webgpu / wasm |\n|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.d_model} | ${r.webgpu_ms} | ${r.wasm_ms} | ${r.webgpu_over_wasm} |`);
} else if (mode === 'summary') {
  const out = args[0];
  const read = (f) => (fs.existsSync(path.join(out, f)) ? fs.readFileSync(path.join(out, f), 'utf8').trim() : null);
  const evals = fs.existsSync(path.join(out, 'sft-webgpu')) ? records(path.join(out, 'sft-webgpu')).filter((r) => r.type === 'eval') : [];
  console.log(JSON.stringify({
    gpu: read('gpu.txt'), adapter: JSON.parse(read('adapter.json') || 'null'),
    exact: JSON.parse(read('exact.json') || 'null'),
    auto: JSON.parse(read('auto.json') || 'null'),
    size: size(path.join(out, 'size-webgpu'), path.join(out, 'size-wasm')),
    sft_webgpu_final_eval: evals[evals.length - 1] || null,
  }, null, 2));
} else {
  console.error('usage: gpu-compare.js exact|size|summary ...');
  process.exit(2);
}
