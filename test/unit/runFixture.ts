// A tiny experiment for engine tests: d 32, 1 layer, 16×16 images, 4×4 patches, 64 examples.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';

export function tinyExperiment(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Record<string, unknown> = {
    name: 'tiny',
    seed: 3,
    // One thread, not `0` (adapt to the free cores): runs compared bit for bit
    // must use the same thread count whatever the machine's load is.
    runtime: { backend: 'wasm', threads: 1 },
    data: {
      image_size: 16, max_text_tokens: 24,
      tasks: [{ name: 'counting', train: 32, val: 8, test: 8 }, { name: 'spatial_relation', train: 32, val: 8, test: 8 }],
    },
    model: { patch_size: 4, d_vision: 32, vision_layers: 1, vision_heads: 2, d_model: 32, layers: 1, heads: 2 },
    latents: { count: 4 },
    method: { kind: 'livr', livr: { stage1_epochs: 1, stage2_epochs: 1 } },
    train: { batch_size: 8, log_every: 1, checkpoint_every: 4, schedule: { kind: 'cosine', warmup_steps: 2 } },
    eval: { diagnostics: ['drop_latents', 'bottleneck_mask', 'answer_latent_attention'] },
  };
  for (const [k, v] of Object.entries(overrides)) {
    base[k] = typeof v === 'object' && v !== null && !Array.isArray(v) ? { ...(base[k] as object), ...v } : v;
  }
  return base;
}

/** Writes the experiment into a fresh temp folder; returns the file path. */
export function writeExperiment(doc: Record<string, unknown>, text?: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'll-run-'));
  const file = path.join(dir, 'tiny.experiment.yaml');
  fs.writeFileSync(file, text ?? stringify(doc));
  return file;
}

/**
 * Tiny experiment files for one describe block: `experiment(overrides)` writes one into
 * its own temp folder; `cleanup` (for after()) removes them all.
 */
export function experimentFiles(): { experiment: (overrides?: Record<string, unknown>) => string; cleanup: () => void } {
  const made: string[] = [];
  return {
    experiment: (overrides = {}) => {
      const file = writeExperiment(tinyExperiment(overrides));
      made.push(path.dirname(file));
      return file;
    },
    cleanup: () => { for (const d of made) fs.rmSync(d, { recursive: true, force: true }); },
  };
}

export function trainLosses(runDir: string): number[] {
  return fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean)
    .map((l) => JSON.parse(l) as { type: string; loss?: number }).filter((r) => r.type === 'train').map((r) => r.loss!);
}

/**
 * For a describe block whose temp experiments extend the repository's examples (outside
 * their temp workspace): allows the examples folder explicitly, as a user would with
 * LATENT_LAB_ALLOW_PATHS (core/validate/confine.ts), and restores the variable after.
 */
export function allowExamplesFolder(): void {
  const examples = path.resolve(__dirname, '../../../examples');
  let saved: string | undefined;
  before(() => { saved = process.env.LATENT_LAB_ALLOW_PATHS; process.env.LATENT_LAB_ALLOW_PATHS = examples; });
  after(() => { if (saved === undefined) delete process.env.LATENT_LAB_ALLOW_PATHS; else process.env.LATENT_LAB_ALLOW_PATHS = saved; });
}
