// Runs that meet faults, and a fine-tune whose data brings new words:
//   - a full disk mid-run ends the run `failed`, naming the checkpoint folder, the
//     bytes needed and how to resume, with no temp folder left;
//   - a resume that fails reports the step it resumed from, not step 0;
//   - fine-tuning from a base on JSONL whose answers are words the base never saw
//     grows the vocabulary (logged), learns them, and reports accuracy per `task`.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { stringify } from 'yaml';
import type { EngineEvent } from '../../src/core/events';
import { latestCheckpoint, runPaths } from '../../src/core/runLayout';
import { resumeRun, trainExperiment } from '../../src/engine/run';
import { loadCheckpoint } from '../../src/engine/checkpoint';
import { tinyExperiment } from './runFixture';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodeFs = require('node:fs') as { writeSync: unknown };

function png(rgb: [number, number, number]): Buffer {
  const img = new PNG({ width: 16, height: 16 });
  for (let i = 0; i < 256; i++) img.data.set([...rgb, 255], i * 4);
  return PNG.sync.write(img);
}

describe('run faults and a growing vocabulary', function () {
  this.timeout(300_000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'll-runfaults-'));
    fs.writeFileSync(path.join(dir, 'package.json'), '{}');
  });
  afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); });

  const experiment = (name: string, doc: Record<string, unknown>): string => {
    const file = path.join(dir, `${name}.experiment.yaml`);
    fs.writeFileSync(file, stringify(doc));
    return file;
  };

  it('a full disk at a checkpoint: status failed, the path, the bytes and resume advice, no temp folder', async () => {
    const file = experiment('full', tinyExperiment({ method: { kind: 'sft' }, latents: { count: 0 }, train: { max_steps: 4, checkpoint_every: 2, log_every: 1 } }));
    const original = nodeFs.writeSync;
    const arm = (e: EngineEvent) => {
      if (e.type !== 'started') return;
      // From now on, writes above 16 KiB (a checkpoint's weights) find the disk full.
      nodeFs.writeSync = (fd: number, buf: Uint8Array | string, ...rest: unknown[]) => {
        if ((typeof buf === 'string' ? Buffer.byteLength(buf) : buf.byteLength) > 16_384) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        return (original as (...a: unknown[]) => number)(fd, buf, ...rest);
      };
    };
    let run;
    try {
      [run] = await trainExperiment(file, { outDir: path.join(dir, 'run'), onEvent: arm });
    } finally {
      nodeFs.writeSync = original;
    }
    assert.equal(run.status, 'failed');
    const summary = JSON.parse(fs.readFileSync(runPaths(run.runDir).summary, 'utf8'));
    assert.equal(summary.status, 'failed');
    assert.match(summary.error, /disk full: could not write .*checkpoints\/step-2 \(needs \d+ bytes.*latent-lab resume/);
    assert.deepEqual(fs.readdirSync(runPaths(run.runDir).checkpoints).filter((n) => n.startsWith('.')), []);
    assert.deepEqual(fs.readdirSync(run.runDir).filter((n) => n.endsWith('.tmp')), []);
    assert.ok(!fs.existsSync(runPaths(run.runDir).pid), 'the engine removed its pid file');
  });

  it('a resume that fails reports the step it resumes from', async () => {
    const file = experiment('resume', tinyExperiment({ method: { kind: 'sft' }, latents: { count: 0 }, train: { max_steps: 4, checkpoint_every: 2 } }));
    const [run] = await trainExperiment(file, { outDir: path.join(dir, 'run') });
    assert.equal(run.status, 'completed', run.summary.error);
    const weights = path.join(latestCheckpoint(run.runDir)!, 'weights.bin');
    const bytes = fs.readFileSync(weights);
    bytes[100] ^= 0x10;
    fs.writeFileSync(weights, bytes);
    const errors: { step: number; message: string }[] = [];
    const r = await resumeRun(run.runDir, { onEvent: (e) => { if (e.type === 'error') errors.push({ step: e.step, message: e.message }); } });
    assert.equal(r.status, 'failed');
    assert.equal(errors.length, 1);
    assert.equal(errors[0].step, 4, errors[0].message);
    assert.match(errors[0].message, /weights\.bin: sha256 checksum does not match/);
    assert.equal(r.summary.step, 4);
  });

  it('fine-tuning from a base on JSONL with new answer words learns them and reports accuracy per task', async () => {
    const baseFile = experiment('base', tinyExperiment({ name: 'base', method: { kind: 'sft' }, latents: { count: 0 }, train: { max_steps: 2 } }));
    const [base] = await trainExperiment(baseFile, { outDir: path.join(dir, 'base') });
    assert.equal(base.status, 'completed', base.summary.error);

    // Two tasks whose answers the base never saw: a tint (red / blue) and a shade (green / yellow).
    fs.mkdirSync(path.join(dir, 'img'));
    const colours: Record<string, [number, number, number]> = { red: [220, 30, 30], blue: [30, 30, 220], green: [30, 200, 30], yellow: [230, 220, 30] };
    for (const [name, rgb] of Object.entries(colours)) {
      for (let k = 0; k < 6; k++) fs.writeFileSync(path.join(dir, 'img', `${name}${k}.png`), png(rgb.map((c) => Math.max(0, Math.min(255, c + 4 * k - 10))) as [number, number, number]));
    }
    const line = (name: string, k: number) => name === 'red' || name === 'blue'
      ? { image: `${name}${k}.png`, question: 'which tint?', answer: name === 'red' ? 'crimson' : 'azure', task: 'tint' }
      : { image: `${name}${k}.png`, question: 'which shade?', answer: name === 'green' ? 'verdant' : 'golden', task: 'shade' };
    const rows = (ks: number[]) => Object.keys(colours).flatMap((n) => ks.map((k) => JSON.stringify(line(n, k)))).join('\n') + '\n';
    fs.writeFileSync(path.join(dir, 'train.jsonl'), rows([0, 1, 2, 3]));
    fs.writeFileSync(path.join(dir, 'val.jsonl'), rows([4, 5]));

    const baseCkpt = latestCheckpoint(base.runDir)!;
    const ft = tinyExperiment({
      name: 'ft', method: { kind: 'sft' }, latents: { count: 0 },
      model: { init_from: baseCkpt, finetune: { mode: 'full' } },
      data: { source: 'jsonl', image_size: 16, max_text_tokens: 24, jsonl: { train: 'train.jsonl', val: 'val.jsonl', image_root: 'img' } },
      train: { batch_size: 8, epochs: 60, log_every: 10, checkpoint_every: 0, optimizer: { lr: 0.003 } },   // LoRA + new rows: a LoRA-sized lr
      eval: { split: 'val', diagnostics: [] },
    });
    const logs: string[] = [];
    const [run] = await trainExperiment(experiment('ft', ft), { outDir: path.join(dir, 'ft'), onEvent: (e) => { if (e.type === 'log') logs.push(e.message); } });
    assert.equal(run.status, 'completed', run.summary.error);
    // crimson, azure, verdant, golden, and the question words tint and shade the base never saw.
    assert.ok(logs.some((m) => /vocabulary: [4-9] word\(s\) of the training data are not in the base's vocabulary; they get new embedding rows/.test(m)), logs.join('\n'));
    const final = run.summary.final!;
    assert.deepEqual(Object.keys(final.accuracy).sort(), ['shade', 'tint']);
    assert.deepEqual(Object.keys(final.majority ?? {}).sort(), ['shade', 'tint']);
    assert.equal(final.majority?.tint, 0.5);
    assert.ok(final.accuracy.tint >= 0.9 && final.accuracy.shade >= 0.9, `learned the new words: ${JSON.stringify(final.accuracy)}`);

    // Under LoRA the base's token table stays frozen and the new words' rows train as decoder.token_rows.
    const loraLogs: string[] = [];
    const lora = { ...ft, name: 'ft-lora', model: { ...(ft.model as object), finetune: { mode: 'lora' } }, train: { ...(ft.train as object), epochs: 4 } };
    const [lr] = await trainExperiment(experiment('ft-lora', lora), { outDir: path.join(dir, 'ft-lora'), onEvent: (e) => { if (e.type === 'log') loraLogs.push(e.message); } });
    assert.equal(lr.status, 'completed', lr.summary.error);
    assert.ok(loraLogs.some((m) => /^trains: .*decoder\.token_rows \([4-9] new words of the data\)/.test(m)), loraLogs.join('\n'));
    const after = loadCheckpoint(latestCheckpoint(lr.runDir)!).weights;
    const tokenRows = after.get('decoder.token_rows')!;
    const added = Number(/vocabulary: (\d+) word/.exec(loraLogs.join('\n'))?.[1]);
    assert.equal(tokenRows.shape[0], added, 'one trainable row per new word');
    assert.ok(tokenRows.data.some((v) => v !== 0), 'the new rows moved from their zero start');
    const baseEmbed = loadCheckpoint(baseCkpt).weights.get('decoder.token_embed')!;
    assert.deepEqual(after.get('decoder.token_embed')!.data.subarray(0, baseEmbed.data.length), baseEmbed.data, 'the base rows are frozen');
  });
});
