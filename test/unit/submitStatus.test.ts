// `latent-lab submit` and `latent-lab status` without a cluster: SLURM's commands
// replaced by stand-ins on PATH (the real SLURM is test/slurm/), their answers
// parsed; the Kubernetes manifest's command run here, as a pod would run it.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { sacctTasks, sbatchSubmit, squeueTasks } from '../../src/cli/cluster/slurmCommands';
import { formatStatus, sweepStatusRows } from '../../src/cli/cluster/sweepStatus';
import { experimentFiles } from './runFixture';

const ROOT = path.resolve(__dirname, '../../..');
const CLI = path.join(ROOT, 'dist/cli.js');
const answer = (stdout: string, status = 0, stderr = '') => () => ({ status, stdout, stderr });

/** Runs the CLI with stand-in `sbatch` / `squeue` scripts first on PATH. */
function cli(args: string[], fakes: Record<string, string> = {}): { code: number; out: string; err: string } {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'll-fake-slurm-'));
  for (const [name, body] of Object.entries(fakes)) fs.writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  try {
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
    return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
  } finally {
    fs.rmSync(bin, { recursive: true, force: true });
  }
}

describe('SLURM command answers', () => {
  it('sbatch --parsable: the job id, with or without a cluster name; a refusal says why', () => {
    assert.deepEqual(sbatchSubmit('/s', answer('4711\n')), { jobId: '4711' });
    assert.deepEqual(sbatchSubmit('/s', answer('4711;alpine\n')), { jobId: '4711' });
    const refused = sbatchSubmit('/s', answer('', 1, 'sbatch: error: invalid partition specified: gpu\n'));
    assert.deepEqual(refused, { error: 'sbatch refused /s (exit 1): sbatch: error: invalid partition specified: gpu' });
    const missing = sbatchSubmit('/s', () => ({ status: null, stdout: '', stderr: '', error: new Error('spawnSync sbatch ENOENT') }));
    assert.match((missing as { error: string }).error, /sbatch could not be run .*: submit from a machine with SLURM's client commands, or print the script with --dry-run/);
  });

  it('squeue rows per array task; an unknown job is not queued; sacct without accounting is a note', () => {
    const q = squeueTasks(['12', '13'], (_c, args) => (args.includes('12') ? { status: 0, stdout: '12_0|RUNNING|None\n12_1|PENDING|Resources\n', stderr: '' } : { status: 1, stdout: '', stderr: 'Invalid job id' }));
    assert.deepEqual([...q.tasks], [['12_0', { state: 'RUNNING', detail: 'None' }], ['12_1', { state: 'PENDING', detail: 'Resources' }]]);
    assert.deepEqual(q.notes, []);
    const a = sacctTasks(['12'], answer('', 1, 'Slurm accounting storage is disabled\n'));
    assert.deepEqual(a.notes, ['sacct: Slurm accounting storage is disabled']);
    assert.deepEqual([...sacctTasks(['12'], answer('12_2|CANCELLED by 0|0:15\n')).tasks], [['12_2', { state: 'CANCELLED', detail: '0:15' }]]);
  });
});

describe('latent-lab submit / status', function () {
  this.timeout(180_000);
  const { experiment, cleanup } = experimentFiles();
  after(cleanup);
  const sweep = { sweep: { seeds: [0, 1, 2] }, cluster: { partition: 'gpu', time: '01:00:00' } };

  it('--dry-run prints the batch script and creates nothing', () => {
    const file = experiment(sweep);
    const out = path.join(path.dirname(file), 'sw');
    const r = cli(['submit', file, '--to', 'slurm', '--dry-run', '--out', out, '--time', '00:20:00']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /#SBATCH --array=0-2\n[^]*#SBATCH --partition=gpu\n#SBATCH --time=00:20:00\n/);
    assert.match(r.out, /--sweep-index "\$SLURM_ARRAY_TASK_ID" --out \S+\/sw\n$/);
    assert.equal(fs.existsSync(out), false);
  });

  it('submits with sbatch, keeps the script and the job in the sweep folder; status reads them back', () => {
    const file = experiment(sweep);
    const out = path.join(path.dirname(file), 'sw');
    const r = cli(['submit', file, '--to', 'slurm', '--out', out], { sbatch: 'echo 77', squeue: 'exit 0' });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /submitted SLURM job 77: array 0-2, 3 configurations of/);
    assert.match(fs.readFileSync(path.join(out, 'submit.slurm'), 'utf8'), /^#!\/bin\/bash\n#SBATCH --job-name=latent-lab-tiny\n/);
    const record = JSON.parse(fs.readFileSync(path.join(out, 'sweep.json'), 'utf8'));
    assert.deepEqual(record.runs.map((x: { folder: string }) => x.folder), ['00-seed=0', '01-seed=1', '02-seed=2']);
    assert.deepEqual(record.submissions.map((s: { job_id: string; script: string }) => [s.job_id, s.script]), [['77', 'submit.slurm']]);

    const s = cli(['status', out, '--json'], { squeue: 'case "$*" in *77*) printf "77_0|RUNNING|None\\n77_1|PENDING|Priority\\n";; esac', sacct: 'echo "Slurm accounting storage is disabled" >&2; exit 1' });
    assert.equal(s.code, 0, s.err);
    const status = JSON.parse(s.out) as { runs: { status: string; task?: { id: string; state: string } }[]; notes: string[] };
    assert.deepEqual(status.runs.map((x) => [x.status, x.task?.id, x.task?.state]),
      [['not started', '77_0', 'RUNNING'], ['not started', '77_1', 'PENDING'], ['not started', '77_2', 'not in squeue']]);
    assert.deepEqual(status.notes, ['sacct: Slurm accounting storage is disabled']);

    // Resubmitting while a task of the earlier job is still queued is refused (two processes on one run).
    const again = cli(['submit', file, '--to', 'slurm', '--out', out, '--indices', '2'], { sbatch: 'echo 78', squeue: 'echo "77_1|PENDING|Priority"' });
    assert.equal(again.code, 1);
    assert.match(again.err, /an earlier job of .* is still queued or running \(77_1 PENDING\): wait for it, or scancel it, then submit again/);
    const later = cli(['submit', file, '--to', 'slurm', '--out', out, '--indices', '2'], { sbatch: 'echo 78', squeue: 'echo "77_1|COMPLETED|None"' });
    assert.equal(later.code, 0, later.err);
    assert.ok(fs.existsSync(path.join(out, 'submit.slurm.2')));
  });

  it('an sbatch refusal leaves no sweep folder behind and says why', () => {
    const file = experiment(sweep);
    const out = path.join(path.dirname(file), 'sw');
    const r = cli(['submit', file, '--to', 'slurm', '--out', out], { sbatch: 'echo "sbatch: error: invalid partition specified: gpu" >&2; exit 1' });
    assert.equal(r.code, 1);
    assert.match(r.err, /sbatch refused .*submit\.slurm \(exit 1\): sbatch: error: invalid partition specified: gpu/);
    assert.equal(fs.existsSync(out), false);
  });

  it('bad flags are refused before anything is written', () => {
    const file = experiment(sweep);
    assert.match(cli(['submit', file, '--to', 'pbs']).err, /--to must be one of slurm, k8s, ray, got 'pbs'/);
    assert.match(cli(['submit', file, '--to', 'k8s']).err, /--to k8s only prints what to submit: add --dry-run/);
    assert.match(cli(['submit', file, '--to', 'ray', '--dry-run', '--indices', '1']).err, /--indices is for --to slurm/);
    assert.match(cli(['submit', file, '--to', 'slurm', '--dry-run', '--gpus', 'two']).err, /--gpus: `cluster.gpus` must be/);
    assert.match(cli(['submit', file, '--to', 'slurm', '--dry-run', '--indices', '5']).err, /index 5 is out of range: the experiment has 3 configurations/);
  });

  it('status of a sweep trained locally: the run directories alone, formatted per index', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'll-status-'));
    try {
      const run = path.join(dir, '01-seed=1');
      fs.mkdirSync(run);
      fs.writeFileSync(path.join(run, 'config.json'), '{}');
      fs.writeFileSync(path.join(run, 'summary.json'), JSON.stringify({ status: 'completed', step: 16, total_steps: 16, final: { mean_accuracy: 0.25 } }));
      const rows = sweepStatusRows(dir, undefined, { tasks: new Map(), notes: [] }, { tasks: new Map(), notes: [] });
      assert.deepEqual(rows.map((x) => [x.index, x.folder, x.status, x.step, x.meanAccuracy]), [[1, '01-seed=1', 'completed', 16, 0.25]]);
      const text = formatStatus(dir, rows, []);
      assert.equal(text[0], `${dir}: 1 run (1 completed)`);
      assert.match(text[2], /^\s+1\s+01-seed=1\s+completed\s+16\/16\s+25\.0%\s+-$/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('other schedulers, by the same index contract', function () {
  this.timeout(180_000);
  const { experiment, cleanup } = experimentFiles();
  after(cleanup);

  it('Kubernetes: an Indexed Job whose container command, run here with JOB_COMPLETION_INDEX=1, trains configuration 1', () => {
    const file = experiment({ sweep: { seeds: [0, 1] }, runtime: { backend: 'wasm', threads: 1 }, cluster: { cpus_per_task: 2, gpus: 1, mem: '4G', max_parallel: 1, image: 'reg/ll:1' } });
    const out = path.join(path.dirname(file), 'k8s');
    const r = cli(['submit', file, '--to', 'k8s', '--dry-run', '--out', out]);
    assert.equal(r.code, 0, r.err);
    const job = parseYaml(r.out);
    assert.equal(job.kind, 'Job');
    assert.equal(job.apiVersion, 'batch/v1');
    assert.deepEqual([job.spec.completionMode, job.spec.completions, job.spec.parallelism], ['Indexed', 2, 1]);
    const container = job.spec.template.spec.containers[0];
    assert.equal(container.image, 'reg/ll:1');
    assert.deepEqual(container.resources, { requests: { cpu: '2', memory: '4Gi' }, limits: { 'nvidia.com/gpu': '1' } });
    assert.equal(container.command[0], '/bin/sh');
    const pod = spawnSync('/bin/sh', ['-c', container.command[2]], { encoding: 'utf8', env: { ...process.env, JOB_COMPLETION_INDEX: '1' }, timeout: 120_000 });
    assert.equal(pod.status, 0, pod.stderr);
    assert.deepEqual(fs.readdirSync(out), ['01-seed=1']);
    assert.equal(JSON.parse(fs.readFileSync(path.join(out, '01-seed=1/summary.json'), 'utf8')).status, 'completed');
  });

  it('Ray: one `ray job submit` per index whose entrypoint is the same train command', () => {
    const file = experiment({ sweep: { seeds: [0, 1, 2] }, cluster: { cpus_per_task: 2, gpus: 1 } });
    const r = cli(['submit', file, '--to', 'ray', '--dry-run', '--out', '/runs/s']);
    assert.equal(r.code, 0, r.err);
    const lines = r.out.trim().split('\n');
    assert.equal(lines.length, 3);
    lines.forEach((line, i) => {
      const [head, entry] = line.split(' -- ');
      assert.equal(head, `ray job submit --submission-id latent-lab-tiny-${i} --entrypoint-num-cpus 2 --entrypoint-num-gpus 1 --no-wait`);
      assert.match(entry, new RegExp(`dist/cli\\.js train \\S+tiny\\.experiment\\.yaml --sweep-index ${i} --out /runs/s$`));
    });
  });
});
