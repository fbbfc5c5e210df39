// The `cluster:` block: schema and checks (file and submit flags get the same
// messages), the sbatch script, array-index specs and shell quoting.
import * as assert from 'node:assert/strict';
import { indicesProblem, expandIndices, slurmBatchScript, slurmPathProblem } from '../../src/cli/cluster/slurmScript';
import { shellQuote } from '../../src/cli/cluster/launchCommand';
import { validateExperimentText } from '../../src/core/validator';
import { clusterValueProblems } from '../../src/core/validate/clusterChecks';
import { memoryHost, only, rangeOf } from './validatorHelpers';

const FILE = '/exp/test.experiment.yaml';
const check = (text: string) => validateExperimentText(text, FILE, memoryHost({ [FILE]: text }));

describe('cluster: block', () => {
  it('accepts every field and keeps it in the resolved config', () => {
    const { problems, config } = check('name: x\ncluster:\n  partition: gpu\n  time: "1-02:00:00"\n  cpus_per_task: 4\n  gpus: 1\n  mem: 16G\n  max_parallel: 8\n  sbatch: ["--account=lab"]\n  setup: ["module load nodejs/20"]\n');
    assert.deepEqual(problems, []);
    assert.deepEqual(config?.cluster, { partition: 'gpu', time: '1-02:00:00', cpus_per_task: 4, gpus: 1, mem: '16G', max_parallel: 8, sbatch: ['--account=lab'], setup: ['module load nodejs/20'] });
  });

  it('a misspelt key gets the nearest-key fix on its own line', () => {
    const p = only(check('name: x\ncluster:\n  partitoin: gpu\n').problems, 'schema.unknown-key');
    assert.deepEqual(p.fixes?.map((f) => f.newText), ['partition']);
    assert.equal(p.range.start.line, 2);
  });

  it('a time SLURM cannot read is refused on its value', () => {
    const { problems, config } = check('name: x\ncluster:\n  time: 2h\n');
    assert.equal(config, undefined);
    const p = only(problems, 'cluster.time');
    assert.match(p.message, /`cluster.time` '2h' is not a SLURM time limit: write MM, HH:MM:SS or D-HH:MM:SS/);
    assert.deepEqual(rangeOf(p), [2, 8, 2, 10]);
    assert.match(only(check('name: x\ncluster:\n  mem: 16GB\n').problems, 'cluster.mem').message, /'16GB' is not a memory size/);
    assert.match(only(check('name: x\ncluster:\n  sbatch: ["account=lab"]\n').problems, 'cluster.sbatch-line').message, /starting with -/);
  });

  it('an extra #SBATCH line that sets --array or --output is refused, naming the line', () => {
    const p = only(check('name: x\ncluster:\n  sbatch:\n    - --qos=low\n    - -a 0-9\n').problems, 'cluster.sbatch-reserved');
    assert.match(p.message, /`-a 0-9` sets --array, which `latent-lab submit` writes itself/);
    assert.equal(p.range.start.line, 4);
    assert.equal(only(check('name: x\ncluster:\n  sbatch: ["--output=x.log"]\n').problems, 'cluster.sbatch-reserved').path, 'cluster.sbatch.0');
  });

  it('cannot be swept', () => {
    const p = only(check('name: x\nsweep:\n  fields:\n    cluster.gpus: [0, 1]\n').problems, 'sweep.field');
    assert.match(p.message, /cannot be swept/);
  });

  it('submit flags are checked by the same schema, and the message names the flag', () => {
    const flagOf = (field: string) => (field === 'cpus_per_task' ? '--cpus-per-task' : `cluster.${field}`);
    const problems = clusterValueProblems({ cpus_per_task: 0, time: '00:30:00' }, flagOf);
    assert.deepEqual(problems, ['--cpus-per-task: `cluster.cpus_per_task` must be ≥ 1 (got 0): set it to 1 or more']);
    assert.match(clusterValueProblems({ time: '90m' }, flagOf)[0], /^cluster.time: `cluster.time` '90m' is not a SLURM time limit/);
    assert.deepEqual(clusterValueProblems({ gpus: 2, sbatch: ['--account=a'] }, flagOf), []);
  });
});

describe('sbatch script', () => {
  const base = {
    experimentFile: '/data/exp/my sweep.experiment.yaml', sweepDir: '/data/runs/s1', trainFlags: ['--threads', '2'],
    jobName: 'latent-lab-x', runCount: 6, indices: '0-5', submittedAt: '2026-01-01T00:00:00Z',
  };

  it('one array task per configuration, options from the cluster block, the index contract in the command', () => {
    const s = slurmBatchScript({ ...base, cluster: { partition: 'gpu', time: '02:00:00', cpus_per_task: 4, gpus: 1, mem: '8G', max_parallel: 2, sbatch: ['--account=lab'], setup: ['module load nodejs'] } }, 'node', '/opt/ll/dist/cli.js');
    const sbatch = s.split('\n').filter((l) => l.startsWith('#SBATCH ')).map((l) => l.slice(8));
    assert.deepEqual(sbatch, ['--job-name=latent-lab-x', '--array=0-5%2', '--output=/data/runs/s1/scheduler-logs/%A_%a.out', '--open-mode=append',
      '--requeue', '--partition=gpu', '--time=02:00:00', '--cpus-per-task=4', '--gpus=1', '--mem=8G', '--account=lab']);
    const lines = s.trimEnd().split('\n');
    assert.equal(lines[lines.length - 2], 'module load nodejs');
    assert.equal(lines[lines.length - 1], `exec node /opt/ll/dist/cli.js train '/data/exp/my sweep.experiment.yaml' --sweep-index "$SLURM_ARRAY_TASK_ID" --out /data/runs/s1 --threads 2`);
  });

  it('without a cluster block: only what submit needs', () => {
    const s = slurmBatchScript({ ...base, indices: '2', cluster: {} }, 'node', '/c.js');
    assert.deepEqual(s.split('\n').filter((l) => l.startsWith('#SBATCH')).length, 5);
    assert.match(s, /#SBATCH --array=2\n/);
  });

  it('index lists are checked against the number of configurations', () => {
    assert.equal(indicesProblem('0-3', 4), undefined);
    assert.equal(indicesProblem('1,3', 4), undefined);
    assert.match(indicesProblem('0-4', 4)!, /index 4 is out of range: the experiment has 4 configurations, indices 0 to 3/);
    assert.match(indicesProblem('3-1', 4)!, /runs backwards: write 1-3/);
    assert.match(indicesProblem('a', 4)!, /is not an index list/);
    assert.deepEqual(expandIndices('0,2-4'), [0, 2, 3, 4]);
  });

  it('a sweep folder #SBATCH cannot hold is refused', () => {
    assert.match(slurmPathProblem('/data/my runs/x')!, /contains whitespace or '%'/);
    assert.equal(slurmPathProblem('/data/runs/x'), undefined);
  });

  it('shell quoting survives quotes', () => {
    assert.equal(shellQuote('plain/path-1.yaml'), 'plain/path-1.yaml');
    assert.equal(shellQuote("it's here"), `'it'\\''s here'`);
  });
});
