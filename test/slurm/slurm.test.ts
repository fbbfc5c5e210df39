// Against a real single-node SLURM (started by test/slurm/run.sh): `latent-lab submit`
// runs a 4-seed sweep as one array job with the same results as running it locally,
// and an array task cancelled mid-run resumes from its checkpoint when resubmitted.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { tinyExperiment } from '../unit/runFixture';

const ROOT = path.resolve(__dirname, '../../..');
const CLI = path.join(ROOT, 'dist/cli.js');

interface StatusRun { index: number; folder: string; runDir: string; status: string; step: number; totalSteps: number; task?: { id: string; state: string } }

function cli(args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 300_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

function status(sweepDir: string): StatusRun[] {
  const r = cli(['status', sweepDir, '--json']);
  assert.equal(r.code, 0, r.err);
  return (JSON.parse(r.out) as { runs: StatusRun[] }).runs;
}

function submit(args: string[]): string {
  const r = cli(['submit', ...args, '--to', 'slurm']);
  assert.equal(r.code, 0, `submit failed:\n${r.out}${r.err}`);
  const job = /submitted SLURM job (\d+)/.exec(r.out)?.[1];
  assert.ok(job, `no job id in:\n${r.out}`);
  return job;
}

/** Polls `check` every half second until it returns a value, at most `limitMs` (generous: the machine is shared). */
async function waitFor<T>(what: string, limitMs: number, check: () => T | undefined): Promise<T> {
  const end = Date.now() + limitMs;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${limitMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const ENDED = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL', 'PREEMPTED', 'OUT_OF_MEMORY', 'BOOT_FAIL', 'DEADLINE']);
const allTasksEnded = (runs: StatusRun[]) => runs.every((r) => r.task && ENDED.has(r.task.state));

/** The metrics a run produced, without wall-clock fields: equal for equal training. */
function metricsOf(runDir: string): unknown[] {
  return fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => {
    const { time: _t, examples_per_s: _e, ...rest } = JSON.parse(l) as Record<string, unknown>;
    return rest;
  });
}

function writeTiny(dir: string, overrides: Record<string, unknown>): string {
  const file = path.join(dir, 'tiny.experiment.yaml');
  fs.writeFileSync(file, stringify(tinyExperiment({ runtime: { backend: 'wasm', threads: 1 }, cluster: { cpus_per_task: 1, time: '00:15:00' }, ...overrides })));
  return file;
}

describe('SLURM: latent-lab submit / status against a real slurmctld + slurmd', function () {
  let dir: string;
  before(() => {
    assert.ok(process.env.SLURM_CONF, 'SLURM_CONF is not set: run this through bash test/slurm/run.sh');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'll-slurm-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('runs a 4-seed sweep as one array job: 4 completed runs, the same metrics as the same indices run locally', async () => {
    const file = writeTiny(dir, { sweep: { seeds: [0, 1, 2, 3] } });
    const sweepDir = path.join(dir, 'cluster');
    const job = submit([file, '--out', sweepDir]);
    assert.ok(fs.readFileSync(path.join(sweepDir, 'submit.slurm'), 'utf8').includes('#SBATCH --array=0-3'));
    const runs = await waitFor('4 array tasks to end', 400_000, () => { const s = status(sweepDir); return allTasksEnded(s) ? s : undefined; });
    assert.deepEqual(runs.map((r) => [r.folder, r.status, r.task!.id, r.task!.state]),
      [0, 1, 2, 3].map((i) => [`0${i}-seed=${i}`, 'completed', `${job}_${i}`, 'COMPLETED']));

    const local = path.join(dir, 'local');
    const r = cli(['train', file, '--out', local, '--quiet']);   // today's one-process sweep
    assert.equal(r.code, 0, r.err);
    for (const run of runs) {
      const twin = path.join(local, run.folder);
      assert.ok(fs.existsSync(twin), `local sweep has no ${run.folder}: the index order or naming differs`);
      assert.deepEqual(metricsOf(run.runDir), metricsOf(twin), `metrics of ${run.folder} differ between SLURM and local`);
    }
  });

  it('a task cancelled mid-run resumes from its checkpoint when the sweep is resubmitted', async () => {
    const file = writeTiny(dir, {
      name: 'requeue', sweep: { seeds: [0, 1] }, method: { kind: 'sft' },
      train: { epochs: 20, batch_size: 8, log_every: 4, checkpoint_every: 4 },   // 160 steps: long enough to be cancelled mid-run on a fast machine
    });
    const sweepDir = path.join(dir, 'requeue');
    const job = submit([file, '--out', sweepDir]);
    const run1 = path.join(sweepDir, '01-seed=1');
    await waitFor('task 1 to write a checkpoint', 300_000, () => (fs.existsSync(path.join(run1, 'checkpoints/latest')) ? true : undefined));
    assert.equal(spawnSync('scancel', [`${job}_1`]).status, 0);
    const afterCancel = await waitFor('both tasks to end', 300_000, () => { const s = status(sweepDir); return allTasksEnded(s) ? s : undefined; });
    assert.equal(afterCancel[1].task!.state, 'CANCELLED');
    assert.notEqual(afterCancel[1].status, 'completed', 'task 1 finished before it was cancelled: the test needs a longer run');
    assert.ok(afterCancel[1].step < afterCancel[1].totalSteps);
    const run0Summary = fs.readFileSync(path.join(sweepDir, '00-seed=0/summary.json'), 'utf8');

    const job2 = submit([file, '--out', sweepDir, '--indices', '1']);
    const done = await waitFor('the resubmitted task to end', 300_000, () => { const s = status(sweepDir); return s[1].task?.id === `${job2}_1` && allTasksEnded([s[1]]) ? s : undefined; });
    assert.equal(done[1].status, 'completed');
    const resumedAt = /resuming after step (\d+)/.exec(fs.readFileSync(path.join(run1, 'train.log'), 'utf8'))?.[1];
    assert.ok(resumedAt && Number(resumedAt) > 0, 'train.log of task 1 does not say it resumed from a checkpoint');
    assert.equal(fs.readFileSync(path.join(sweepDir, '00-seed=0/summary.json'), 'utf8'), run0Summary, 'the completed run 0 was touched');
    const record = JSON.parse(fs.readFileSync(path.join(sweepDir, 'sweep.json'), 'utf8')) as { submissions: { job_id: string; indices: string }[] };
    assert.deepEqual(record.submissions.map((s) => [s.job_id, s.indices]), [[job, '0-1'], [job2, '1']]);

    const local = path.join(dir, 'requeue-local');   // the same index, never interrupted
    assert.equal(cli(['train', file, '--sweep-index', '1', '--out', local, '--quiet']).code, 0);
    assert.deepEqual(metricsOf(run1), metricsOf(path.join(local, '01-seed=1')), 'the resumed run differs from an uninterrupted one');
  });
});
