// `latent-lab train FILE --sweep-index I --out SWEEP_DIR`: configuration I of the
// sweep, in the run directory a whole sweep would use, and safe to run again
// (completed: nothing to do; stopped: resumes exactly; config changed: refused).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runListSweep, runSweepIndex } from '../../src/cli/sweepIndexCommand';
import { configDifferences, indexRunState, planSweep } from '../../src/core/sweepPlan';
import { loadExperiment } from '../../src/core/validator';
import { trainExperiment } from '../../src/engine/run';
import { experimentFiles, trainLosses } from './runFixture';

/** Captures what a function writes to stdout / stderr. */
async function captured<T>(fn: () => Promise<T> | T): Promise<{ value: T; out: string; err: string }> {
  const out: string[] = [], err: string[] = [];
  const [o, e] = [process.stdout.write, process.stderr.write];
  process.stdout.write = ((s: string) => { out.push(String(s)); return true; }) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => { err.push(String(s)); return true; }) as typeof process.stderr.write;
  try {
    return { value: await fn(), out: out.join(''), err: err.join('') };
  } finally {
    process.stdout.write = o;
    process.stderr.write = e;
  }
}

describe('sweep by index', function () {
  this.timeout(300_000);
  const { experiment, cleanup } = experimentFiles();
  after(cleanup);
  const sweep = { sweep: { fields: { 'latents.count': [2, 4] }, seeds: [5, 6] }, runtime: { backend: 'wasm', threads: 1 } };

  it('--list-sweep prints every index with its folder and what differs, in the order a whole sweep runs them', async () => {
    const file = experiment(sweep);
    const { value, out } = await captured(() => runListSweep(file));
    assert.equal(value, 0);
    const lines = out.trim().split('\n');
    assert.match(lines[0], /^4 configurations in .*tiny\.experiment\.yaml/);
    assert.deepEqual(lines.slice(1).map((l) => l.trim().split(/\s+/)), [
      ['0', '00-latents.count=2,seed=5', 'latents.count=2,seed=5'], ['1', '01-latents.count=2,seed=6', 'latents.count=2,seed=6'],
      ['2', '02-latents.count=4,seed=5', 'latents.count=4,seed=5'], ['3', '03-latents.count=4,seed=6', 'latents.count=4,seed=6'],
    ]);
  });

  it('runs configuration I alone, into the folder and with the losses of the whole sweep; after a death before any checkpoint it starts over; completed: nothing to do', async () => {
    const file = experiment({ ...sweep, sweep: { seeds: [5, 6] } });
    const whole = path.join(path.dirname(file), 'whole');
    await trainExperiment(file, { outDir: whole });
    const sweepDir = path.join(path.dirname(file), 'by-index');
    const said: string[] = [];
    assert.equal(await runSweepIndex(file, 1, sweepDir, {}, (l) => said.push(l)), 0);
    assert.deepEqual(fs.readdirSync(sweepDir), ['01-seed=6']);
    assert.deepEqual(trainLosses(path.join(sweepDir, '01-seed=6')), trainLosses(path.join(whole, '01-seed=6')));
    // A run that died before its first checkpoint (config written, no checkpoint) starts over.
    const died = path.join(path.dirname(file), 'died', '01-seed=6');
    fs.mkdirSync(died, { recursive: true });
    for (const f of ['config.json', 'experiment.yaml']) fs.copyFileSync(path.join(sweepDir, '01-seed=6', f), path.join(died, f));
    fs.writeFileSync(path.join(died, 'metrics.jsonl'), '{"type":"train","step":1,"loss":9}\n');
    assert.equal(await runSweepIndex(file, 1, path.dirname(died), {}, (l) => said.push(l)), 0);
    assert.match(said.find((l) => l.includes('first checkpoint')) ?? '', /stopped before its first checkpoint; starting it over/);
    assert.deepEqual(trainLosses(died), trainLosses(path.join(whole, '01-seed=6')));
    const before = fs.readFileSync(path.join(sweepDir, '01-seed=6/summary.json'), 'utf8');
    said.length = 0;
    assert.equal(await runSweepIndex(file, 1, sweepDir, {}, (l) => said.push(l)), 0);
    assert.deepEqual(said, [`sweep index 1 (seed=6) already completed in ${path.join(sweepDir, '01-seed=6')}: nothing to do`]);
    assert.equal(fs.readFileSync(path.join(sweepDir, '01-seed=6/summary.json'), 'utf8'), before);
  });

  it('a stopped index resumes from its checkpoint when run again, and ends as an uninterrupted run does', async () => {
    const file = experiment({ ...sweep, sweep: { seeds: [5, 6] } });
    const dir = path.dirname(file);
    const stop = { requested: false };
    const onEvent = (e: { type: string; step?: number }) => { if (e.type === 'progress' && (e.step ?? 0) >= 5) stop.requested = true; };
    await runSweepIndex(file, 0, path.join(dir, 'a'), { stop, onEvent }, () => undefined);
    const run = path.join(dir, 'a', '00-seed=5');
    assert.equal(JSON.parse(fs.readFileSync(path.join(run, 'summary.json'), 'utf8')).status, 'stopped');
    const state = indexRunState(run);
    assert.equal(state.kind, 'resume');
    const said: string[] = [];
    assert.equal(await runSweepIndex(file, 0, path.join(dir, 'a'), {}, (l) => said.push(l)), 0);
    assert.match(said[0], /^sweep index 0 \(seed=5\): resuming the stopped run in .* from step-\d+$/);
    await runSweepIndex(file, 0, path.join(dir, 'b'), {}, () => undefined);
    assert.deepEqual(trainLosses(run), trainLosses(path.join(dir, 'b', '00-seed=5')));
  });

  it('refuses to continue a run whose experiment file changed since, naming the fields', async () => {
    const file = experiment({ ...sweep, sweep: { seeds: [5, 6] } });
    const stop = { requested: true };   // stops after the first step, leaving a checkpoint
    const sweepDir = path.join(path.dirname(file), 's');
    await runSweepIndex(file, 1, sweepDir, { stop }, () => undefined);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('batch_size: 8', 'batch_size: 4'));
    const { value, err } = await captured(() => runSweepIndex(file, 1, sweepDir, {}, () => undefined));
    assert.equal(value, 1);
    assert.match(err, /01-seed=6 was started with a different configuration than sweep index 1 \(seed=6\) has now \(differs in train\.batch_size\)/);
  });

  it('an index out of range, or a folder that is not a run, is refused with what to do', async () => {
    const file = experiment({ ...sweep, sweep: { seeds: [5, 6] } });
    const r = await captured(() => runSweepIndex(file, 2, path.join(path.dirname(file), 'x'), {}, () => undefined));
    assert.equal(r.value, 2);
    assert.match(r.err, /--sweep-index 2 is out of range: .* has 2 configurations, indices 0 to 1 \(latent-lab train FILE --list-sweep lists them\)/);
    const foreign = path.join(path.dirname(file), 'y', '00-seed=5');
    fs.mkdirSync(foreign, { recursive: true });
    fs.writeFileSync(path.join(foreign, 'notes.txt'), 'mine');
    const f = await captured(() => runSweepIndex(file, 0, path.dirname(foreign), {}, () => undefined));
    assert.equal(f.value, 1);
    assert.match(f.err, /00-seed=5 exists and is not a run directory \(no config\.json\)/);
    assert.equal(fs.readFileSync(path.join(foreign, 'notes.txt'), 'utf8'), 'mine');
  });

  it('an experiment without a sweep is one index, run in the sweep folder itself; cluster settings are not compared', () => {
    const file = experiment({ cluster: { gpus: 1 } });
    const entries = planSweep(loadExperiment(file));
    assert.deepEqual(entries.map((e) => [e.index, e.folder, e.label]), [[0, '', '']]);
    const planned = entries[0].config;
    assert.deepEqual(configDifferences({ ...planned, cluster: { gpus: 4 } }, planned), []);
    assert.deepEqual(configDifferences({ ...planned, seed: 9 }, planned), ['seed']);
  });
});
