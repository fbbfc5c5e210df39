// The webviews' pure math, in Node: colour maps, normalisation, decimation, statistics, CSV.
import * as assert from 'node:assert/strict';
import { DIVERGING_LUT, NEUTRAL, divergingColor, paintDiverging, paintSequential, sequentialColor } from '../../webview/attention/colormap';
import { differences, rowNormalised, scaleMaps } from '../../webview/attention/normalize';
import { AttentionModel } from '../../webview/attention/model';
import { viewCsv } from '../../webview/attention/exportView';
import { MinMaxDecimator } from '../../webview/dashboard/decimate';
import { flattenNumbers } from '../../src/core/metricRecords';
import { MetricStore } from '../../webview/dashboard/metrics';
import { groupByLabel, meanStd } from '../../src/core/compareStats';
import { decodeCapture, encodeCapture } from '../../src/core/capture';
import { syntheticCapture } from '../../src/core/capture/synthetic';

describe('webview math (Node)', () => {
  it('colour maps: viridis ends, neutral exactly at 0, red above and blue below', () => {
    assert.deepEqual(sequentialColor(0), [68, 1, 84]);
    assert.deepEqual(sequentialColor(1), [253, 231, 37]);
    assert.deepEqual(sequentialColor(2), [253, 231, 37], 'clamped');
    assert.deepEqual(divergingColor(0), NEUTRAL);
    assert.deepEqual(divergingColor(1e-9), NEUTRAL, 'tiny differences stay neutral');
    const [r, , b] = divergingColor(0.5);
    const [r2, , b2] = divergingColor(-0.5);
    assert.ok(r > b && b2 > r2);
    assert.equal(DIVERGING_LUT.length / 4 % 2, 1, 'odd number of entries: 0 has its own');
    const out = new Uint8ClampedArray(8);
    paintDiverging(new Float32Array([0, 0]), 0, out);
    assert.deepEqual(Array.from(out), [247, 247, 247, 255, 247, 247, 247, 255]);
    paintSequential(new Float32Array([NaN]), out);
    assert.deepEqual(Array.from(out.subarray(0, 4)), [128, 128, 128, 255], 'NaN is grey, not a scale colour');
  });

  it('normalisation: raw clamps, row divides by the row max, global by the max of every map', () => {
    const a = new Float32Array([0.1, 0.2, 0.4, 0.0]);   // [2, 2]
    const b = new Float32Array([0.8, 0.4, 0.2, 0.2]);
    assert.deepEqual(Array.from(rowNormalised(a, 2)), [0.5, 1, 1, 0]);
    const g = scaleMaps([a, b], 2, 'global');
    assert.deepEqual(g.domain, [0, Math.fround(0.8)]);
    assert.ok(Math.abs(g.maps[1][0] - 1) < 1e-6 && Math.abs(g.maps[0][2] - 0.5) < 1e-6);
    assert.deepEqual(scaleMaps([new Float32Array([1.5, -1])], 2, 'raw').maps[0], new Float32Array([1, 0]));
    const d = differences([a], [a]);
    assert.equal(d.maxAbs, 0);
    assert.ok(d.maps[0].every((v) => v === 0));
  });

  it('model: mean of heads and difference maps come from the capture arrays', () => {
    const cap = decodeCapture(encodeCapture(syntheticCapture({ layers: 2, heads: 3, answers: 2, latents: 3, examples: 1 })));
    const model = new AttentionModel(cap);
    const m = model.maps(0, 'mean', 'raw');
    const arr = cap.examples[0].paths.intact.answerToLatent.data;   // [2, 3, 2, 3]
    const expected = (arr[18 + 4] + arr[18 + 6 + 4] + arr[18 + 12 + 4]) / 3;   // layer 1, cell (1, 1)
    assert.ok(Math.abs(m.raw.intact[1][4] - expected) < 1e-6);
    assert.ok(Math.abs(m.diff![1][4] - (m.scaled.intact[1][4] - m.scaled.corrupted![1][4])) < 1e-7);
    assert.equal(model.maps(0, 'mean', 'raw'), m, 'cached');
    const csv = viewCsv(m, { step: 5, example: 'val-0', head: 'mean', normalisation: 'raw', answerLabels: ['a', 'b,c'], latentLabels: ['z0', 'z1', 'z2'], layers: [0, 1] });
    const lines = csv.trim().split('\n');
    assert.equal(lines.length, 1 + 2 * 3 * 2 * 3);
    assert.match(lines.find((l) => l.includes(',difference,1,'))!, /^5,val-0,0,mean,raw,difference,1,"b,c",0,z0,/);
  });

  it('decimation: every point when few; bounded, ordered, extremes and the last point kept when many', () => {
    const small = new MinMaxDecimator(100);
    for (let i = 0; i < 150; i++) small.push(i, i % 7);
    assert.ok(small.output()[0].length <= 201);
    const d = new MinMaxDecimator(500);
    const few = new MinMaxDecimator(500);
    for (let i = 0; i < 400; i++) few.push(i, Math.sin(i));
    assert.equal(few.output()[0].length, 400, 'no decimation below the limit');
    for (let i = 0; i < 25001; i++) d.push(i, i === 17777 ? 50 : i === 3 ? -50 : Math.sin(i / 10));
    const [xs, ys] = d.output();
    assert.ok(xs.length <= 1001, `${xs.length} points`);
    assert.ok(xs.every((x, i) => i === 0 || x > xs[i - 1]), 'x strictly increasing');
    assert.ok(ys.includes(50) && ys.includes(-50), 'spike and dip survive');
    assert.equal(xs[xs.length - 1], 25000, 'the newest point is shown');
  });

  it('metric store: terms, eval per task, flattened diagnostics', () => {
    const s = new MetricStore();
    s.add([{ type: 'train', step: 1, loss: 2, terms: { ce: 1.5 }, lr: 0.1 }, { type: 'train', step: 2, loss: 1, terms: { ce: 0.9, kl: 0.1 } }]);
    const ch = s.add([{ type: 'eval', step: 2, split: 'val', accuracy: { color: 0.5 }, mean_accuracy: 0.5, diagnostics: { drop_latents: { mean_accuracy: 0.3 } } }]);
    assert.deepEqual([...s.train.keys()], ['loss', 'ce', 'lr', 'kl']);
    assert.deepEqual(s.train.get('kl')!.output(), [[2], [0.1]]);
    assert.ok(ch.eval && ch.newSeries);
    assert.deepEqual(s.accuracy.get('mean'), [0.5]);
    assert.deepEqual(s.diagnostics[0].values, { 'drop_latents.mean_accuracy': 0.3 });
    assert.equal(s.chance, null, 'an eval without majority (older runs) sets no chance level');
    s.add([{ type: 'eval', step: 3, split: 'val', accuracy: { color: 0.6 }, majority: { color: 0.25 } }, { type: 'eval', step: 3, split: 'test', accuracy: { color: 0.6 }, majority: { color: 0.9 } }]);
    assert.deepEqual(s.chance, { color: 0.25 }, 'the chart split\'s chance, not another split\'s');
    assert.deepEqual(flattenNumbers({ a: 1, b: { c: 2, d: 'x' } }), { a: 1, 'b.c': 2 });
  });

  it('compare: mean ± sample std per label', () => {
    const ms = meanStd([1, 2, 3]);
    assert.equal(ms.mean, 2);
    assert.equal(ms.std, 1);
    assert.ok(Number.isNaN(meanStd([4]).std));
    const { metrics, groups } = groupByLabel([
      { name: 'a1', label: 'A', final: { mean_accuracy: 0.5, loss: 1 } },
      { name: 'a2', label: 'A', final: { mean_accuracy: 0.7 } },
      { name: 'b1', label: 'B', final: { mean_accuracy: 0.2 } },
    ]);
    assert.deepEqual(metrics, ['mean_accuracy', 'loss']);
    assert.equal(groups[0].stats.mean_accuracy.n, 2);
    assert.ok(Math.abs(groups[0].stats.mean_accuracy.mean - 0.6) < 1e-12);
    assert.equal(groups[0].stats.loss.n, 1);
    assert.equal(groups[1].stats.loss, undefined);
  });
});

describe('base64 capture bytes (Node)', () => {
  it('decodes like Buffer for every padding length and refuses bad characters', async () => {
    const { decodeBase64 } = await import('../../webview/shared/bytes');
    for (const n of [0, 1, 2, 3, 4, 5, 255, 1000]) {
      const src = Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) & 255);
      assert.deepEqual(decodeBase64(Buffer.from(src).toString('base64')), src, `${n} bytes`);
    }
    assert.throws(() => decodeBase64('AB$D'), /invalid base64 character at position 2/);
  });
});
