// One reading of a run for every comparison (latent-lab compare, the Compare Runs panel):
// label and seed from the sweep folder and config, metrics.jsonl, and a valr run's
// test-time-scaling table as final metrics; a torn summary does not stop it.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { finalMetrics, groupByLabel } from '../../src/core/compareStats';
import { readCompareRun } from '../../src/core/runLabels';

describe('readCompareRun', () => {
  let root = '';
  before(() => { root = fs.mkdtempSync(path.join(os.tmpdir(), 'll-compare-')); });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  function run(sub: string, seed: number, acc: number, scaling?: [number, number | null][], summary = '{"name":"abl","status":"completed"}'): string {
    const dir = path.join(root, '20260101-000000-abl', sub);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ name: 'abl', seed }));
    fs.writeFileSync(path.join(dir, 'summary.json'), summary);
    fs.writeFileSync(path.join(dir, 'metrics.jsonl'), JSON.stringify({ type: 'eval', step: 9, split: 'test', accuracy: { counting: acc }, mean_accuracy: acc, diagnostics: {} }) + '\n');
    if (scaling) fs.writeFileSync(path.join(dir, 'test_time_scaling.json'), JSON.stringify({ rows: scaling.map(([k, a]) => ({ latents_per_step: k, mean_accuracy: a, accuracy: {} })) }));
    return dir;
  }

  it('labels sweep runs by their fields, reads metrics and the test-time-scaling rows, skips skipped rows', () => {
    const a = readCompareRun(run('00-repa=on,seed=0', 0, 0.3, [[0, 0.1], [16, 0.3], [32, null]]));
    assert.deepEqual([a.name, a.label, a.seed, a.status], ['20260101-000000-abl/00-repa=on,seed=0', 'abl repa=on', 0, 'completed']);
    assert.deepEqual(finalMetrics(a), { mean_accuracy: 0.3, 'accuracy.counting': 0.3, 'test_time_scaling.K=0': 0.1, 'test_time_scaling.K=16': 0.3 });
    const b = readCompareRun(run('01-repa=on,seed=1', 1, 0.5, [[0, 0.3], [16, 0.5]], '{"name":'));
    assert.equal(b.status, undefined, 'a torn summary reads as no status, and the run still groups with its config');
    const { groups } = groupByLabel([a, b]);
    assert.equal(groups.length, 1);
    assert.equal(groups[0].stats['test_time_scaling.K=0'].mean, 0.2);
    assert.equal(groups[0].stats['test_time_scaling.K=0'].n, 2);
  });
});
