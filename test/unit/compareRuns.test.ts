// One reading of a run for every comparison (latent-lab compare, the Compare Runs panel):
// label and seed from the sweep folder and config, metrics.jsonl, and a valr run's
// test-time-scaling table as final metrics; a torn summary does not stop it.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bestMeanAccuracy, compareCsv, finalMetrics, groupByLabel, isScoredMetric, metricByParameter, selectMetrics } from '../../src/core/compareStats';
import { readCompareRun, sweepMemberLabel, sweepOf, uniqueRunDirs } from '../../src/core/runLabels';
import { parseSweepRunFolder, sweepRunFolderName } from '../../src/core/runLayout';

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

  it('counts a run reached by two paths (symlink, a/../a) once', () => {
    const dir = run('02-repa=off,seed=0', 0, 0.25);
    const link = path.join(root, 'linked-run');
    fs.symlinkSync(dir, link);
    const dotted = path.join(dir, '..', path.basename(dir));
    assert.deepEqual(uniqueRunDirs([dir, link, dotted, path.join(root, 'gone')]), [dir]);
    const { groups } = groupByLabel(uniqueRunDirs([dir, link, dotted]).map(readCompareRun));
    assert.equal(groups[0].stats.mean_accuracy.n, 1, 'one run, not three seeds');
  });

  it('--metrics: names as given, PREFIX.* as every known metric under the prefix, and what matched nothing', () => {
    const known = ['mean_accuracy', 'accuracy.a', 'accuracy.b', 'chance.a', 'chance.b', 'diagnostics.drop_latents.mean_accuracy'];
    assert.deepEqual(selectMetrics(known, ['mean_accuracy', 'chance.*', 'loss', 'caption.*']),
      { shown: ['mean_accuracy', 'chance.a', 'chance.b', 'loss'], unknown: ['loss', 'caption.*'] });
    assert.deepEqual(selectMetrics(known, ['diagnostics.*']).shown, ['diagnostics.drop_latents.mean_accuracy']);
  });

  it('best is the highest val mean accuracy of any evaluation; chance levels and diagnostics are never "best"; CSV has one row per run', () => {
    const r = {
      name: 'x/00-lr=1,seed=0', label: 'x lr=1', seed: 0, status: 'completed',
      metrics: [0.2, 0.5, 0.4].map((a, i) => ({ type: 'eval' as const, step: i + 1, split: 'val', mean_accuracy: a, accuracy: { t: a }, majority: { t: 0.3 } })),
    };
    assert.equal(bestMeanAccuracy(r), 0.5);
    assert.equal(finalMetrics(r).mean_accuracy, 0.4, 'the last evaluation');
    assert.deepEqual(['mean_accuracy', 'accuracy.t', 'loss', 'chance.t', 'diagnostics.answer_latent_attention'].map(isScoredMetric), [true, true, true, false, false]);
    const csv = compareCsv([r, { ...r, name: 'y, "quoted"', seed: 1, metrics: [] }]).trim().split('\n');
    assert.equal(csv[0], 'run,configuration,seed,status,best_mean_accuracy,mean_accuracy,accuracy.t,chance.t');
    assert.equal(csv[1], 'x/00-lr=1,seed=0,x lr=1,0,completed,0.5,0.4,0.4,0.3'.replace('x/00-lr=1,seed=0', '"x/00-lr=1,seed=0"'));
    assert.equal(csv[2], '"y, ""quoted""",x lr=1,1,completed,,,,');
  });

  it('tells a sweep\'s runs from runs of their own, and labels them by what differs', () => {
    assert.equal(sweepOf('/r/20260101-000000-abl/03-lr=0.001,repa=on,seed=2'), '/r/20260101-000000-abl');
    assert.equal(sweepOf('/r/20260101-000000-abl'), undefined, 'a timestamped run folder is a run of its own');
    assert.equal(sweepMemberLabel('/r/20260101-000000-abl/03-lr=0.001,repa=on,seed=2'), 'lr=0.001 · repa=on · seed 2');
    assert.equal(sweepMemberLabel('/r/x/00-seed=0'), 'seed 0');
  });

  it('one parser reads back the sweep run folder names sweepRunFolderName writes', () => {
    for (const [i, label] of [[0, 'seed=0'], [3, 'lr=0.001,repa=on,seed=2'], [12, 'method.kind=livr,seed=1'], [100, '']] as const) {
      const name = sweepRunFolderName(i, label);
      assert.deepEqual(parseSweepRunFolder(name), { index: i, label, parts: label ? label.split(',') : [] }, name);
    }
    assert.equal(parseSweepRunFolder('20260101-000000-abl'), undefined, 'a timestamped run folder');
    assert.equal(parseSweepRunFolder('checkpoints'), undefined);
    assert.equal(parseSweepRunFolder('-seed=0'), undefined);
  });

  it('a final metric against each numeric swept parameter: mean ± std over the runs with each value', () => {
    const sweep = (lr: string, seed: number, acc: number) => ({
      name: `s/0-lr=${lr},mode=a,seed=${seed}`, label: `s lr=${lr},mode=a`, seed, params: { lr, mode: 'a' },
      metrics: [{ type: 'eval' as const, step: 1, split: 'val', mean_accuracy: acc }],
    });
    const runs = [sweep('0.01', 0, 0.3), sweep('0.001', 0, 0.5), sweep('0.001', 1, 0.7), sweep('0.01', 1, 0.5)];
    const curves = metricByParameter(runs, 'mean_accuracy');
    assert.deepEqual([...curves.keys()], ['lr'], 'mode has one non-numeric value: no curve');
    const pts = curves.get('lr')!;
    assert.deepEqual(pts.map((p) => p.x), [0.001, 0.01]);
    assert.ok(Math.abs(pts[0].stats.mean - 0.6) < 1e-12 && Math.abs(pts[1].stats.mean - 0.4) < 1e-12);
    assert.ok(Math.abs(pts[0].stats.std - Math.SQRT2 * 0.1) < 1e-12, `std ${pts[0].stats.std}`);
    const dir = run('03-lr=0.5,seed=0', 0, 0.25);
    assert.deepEqual(readCompareRun(dir).params, { lr: '0.5' }, 'readCompareRun carries the swept values, seed excluded');
  });
});

