// "Submit Sweep" in VS Code calls the CLI: the arguments it passes for each
// `latentLab.submit.target`, and reading the job id back from the CLI's real output.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseSubmitted, submitArgs, submitTarget } from '../../src/extension/runs/submitLaunch';
import { SweepWatch, sweepEnded } from '../../src/extension/runs/sweepWatch';
import { experimentFiles } from './runFixture';

const CLI = path.resolve(__dirname, '../../../dist/cli.js');

describe('Submit Sweep (extension → CLI)', function () {
  this.timeout(120_000);
  const { experiment, cleanup } = experimentFiles();
  after(cleanup);

  it('passes the target; Kubernetes and Ray are only printed; the runs folder setting becomes --runs-dir', () => {
    assert.deepEqual(submitArgs('/w/a.experiment.yaml', 'slurm', undefined), ['submit', '/w/a.experiment.yaml', '--to', 'slurm']);
    assert.deepEqual(submitArgs('/w/a.experiment.yaml', 'k8s', '/w/runs'), ['submit', '/w/a.experiment.yaml', '--to', 'k8s', '--dry-run', '--runs-dir', '/w/runs']);
    assert.deepEqual(submitArgs('/w/a.experiment.yaml', 'ray', undefined).slice(3), ['ray', '--dry-run']);
    assert.equal(submitTarget('k8s'), 'k8s');
    assert.equal(submitTarget('pbs'), 'slurm');
  });

  it('reads the job id and sweep folder from what `latent-lab submit` prints', () => {
    const file = experiment({ sweep: { seeds: [0, 1] } });
    const bin = path.join(path.dirname(file), 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'sbatch'), '#!/bin/sh\necho 9001\n', { mode: 0o755 });
    const runs = path.join(path.dirname(file), 'cluster-runs');
    const r = spawnSync(process.execPath, [CLI, ...submitArgs(file, 'slurm', runs)], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
    assert.equal(r.status, 0, r.stderr);
    const submitted = parseSubmitted(r.stdout);
    assert.equal(submitted?.jobId, '9001');
    assert.equal(path.dirname(submitted!.sweepDir), runs);
    assert.match(path.basename(submitted!.sweepDir), /^\d{8}-\d{6}-tiny$/);
    assert.ok(fs.existsSync(path.join(submitted!.sweepDir, 'submit.slurm')));
    assert.equal(parseSubmitted('latent-lab: sbatch refused'), undefined);
  });

  it('the sweep watch refreshes the Runs view when a task writes its run, and stops once every run has ended', () => {
    const sweepDir = path.join(path.dirname(experiment()), 'sweep');
    fs.mkdirSync(sweepDir);
    fs.writeFileSync(path.join(sweepDir, 'sweep.json'), JSON.stringify({ experiment: 'x', name: 'x', runs: [{ index: 0, folder: '00-seed=0', label: 'seed=0' }, { index: 1, folder: '01-seed=1', label: 'seed=1' }], submissions: [] }));
    const writeRun = (folder: string, status: string, step: number) => {
      fs.mkdirSync(path.join(sweepDir, folder), { recursive: true });
      fs.writeFileSync(path.join(sweepDir, folder, 'config.json'), '{}');
      fs.writeFileSync(path.join(sweepDir, folder, 'summary.json'), JSON.stringify({ status, step }));
    };
    let refreshes = 0;
    const watch = new SweepWatch(sweepDir, () => { refreshes++; }, 3_600_000);   // polled by hand below
    try {
      watch.poll();
      assert.equal(refreshes, 0, 'nothing written yet: no refresh');
      writeRun('00-seed=0', 'running', 3);
      watch.poll();
      assert.equal(refreshes, 1);
      assert.equal(watch.active, true, 'one run still running: keeps watching');
      watch.poll();
      assert.equal(refreshes, 1, 'unchanged: no refresh');
      writeRun('00-seed=0', 'completed', 16);
      writeRun('01-seed=1', 'failed', 2);
      assert.equal(sweepEnded(sweepDir), true);
      watch.poll();
      assert.equal(refreshes, 2);
      assert.equal(watch.active, false, 'every run ended: the watch stopped');
    } finally {
      watch.dispose();
    }
  });
});
