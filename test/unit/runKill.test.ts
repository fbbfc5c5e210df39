// A CLI run killed with SIGKILL (no chance to write anything) is reported failed by
// core's liveness check, which the Runs view and `latent-lab compare` use, as soon as
// its process is gone; its summary file still says running.
import * as assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readCompareRun } from '../../src/core/runLabels';
import { readSummary, runPaths } from '../../src/core/runLayout';
import { liveSummary } from '../../src/core/runLiveness';
import { tinyExperiment, writeExperiment } from './runFixture';

const ROOT = path.resolve(__dirname, '../../..');

describe('a killed engine', function () {
  this.timeout(120_000);
  const made: string[] = [];
  before(() => { execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'ignore' }); });
  after(() => { for (const d of made) fs.rmSync(d, { recursive: true, force: true }); });

  it('kill -9 during training: the run is shown failed (pid gone), the summary file is untouched', async () => {
    const file = writeExperiment(tinyExperiment({ method: { kind: 'livr', livr: { stage1_epochs: 8, stage2_epochs: 8 } }, train: { batch_size: 8, log_every: 1, checkpoint_every: 2 } }));
    made.push(path.dirname(file));
    const out = path.join(path.dirname(file), 'run');
    const child = spawn(process.execPath, [path.join(ROOT, 'dist/cli.js'), 'train', file, '--out', out], { stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', r));
    // Wait until it has trained a few steps and written a checkpoint.
    for (let i = 0; i < 600 && !fs.existsSync(runPaths(out).checkpoint(2)); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(fs.existsSync(runPaths(out).pid), 'the engine wrote its pid file');
    assert.equal(liveSummary(out, readSummary(out))?.status, 'running');
    child.kill('SIGKILL');
    await exited;
    assert.equal(readSummary(out)?.status, 'running', 'nothing was written after the kill');
    const shown = liveSummary(out, readSummary(out));
    assert.equal(shown?.status, 'failed');
    assert.match(shown?.error ?? '', new RegExp(`engine process \\(pid ${child.pid}\\) is gone`));
    assert.equal(readCompareRun(out).status, 'failed', 'latent-lab compare shows it failed too');
  });
});
