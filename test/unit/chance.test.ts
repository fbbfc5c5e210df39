// Chance levels: the majority baseline an evaluation prints beside its accuracy and a
// base's card records. Hand-counted answer lists, and an evaluation's record checked
// against its own split.
import * as assert from 'node:assert/strict';
import { describeEval, type EvalMetrics } from '../../src/core/events';
import { finalMetrics } from '../../src/core/compareStats';
import type { MetricRecord } from '../../src/core/metricRecords';
import { chanceByTask, majorityByTask } from '../../src/engine/eval/chance';
import type { Example } from '../../src/engine/data/example';

const ex = (task: string, answer: string): Example => ({ task, answer } as Example);

describe('chance levels', () => {
  it('majority: the share of the most frequent answer, per task', () => {
    const examples = [ex('counting', 'two'), ex('counting', 'two'), ex('counting', 'one'), ex('counting', 'six'),
      ex('colour', 'red'), ex('colour', 'blue')];
    assert.deepEqual(majorityByTask(examples), { counting: 0.5, colour: 0.5 });
    assert.deepEqual(majorityByTask([ex('counting', 'one'), ex('counting', 'one')]), { counting: 1 });
    assert.deepEqual(majorityByTask([]), {});
  });

  it('uniform counts every answer seen in train or test; majority only the test answers', () => {
    const train = [ex('counting', 'one'), ex('counting', 'two'), ex('counting', 'three'), ex('counting', 'four')];
    const test = [ex('counting', 'one'), ex('counting', 'one'), ex('counting', 'one'), ex('counting', 'two')];
    assert.deepEqual(chanceByTask(train, test), { counting: { uniform: 0.25, majority: 0.75 } });
  });

  it('an eval record prints its majority baseline and compare carries it as chance.<task>', () => {
    const record: EvalMetrics = {
      type: 'eval', step: 9, split: 'val', examples: 4, accuracy: { counting: 0.5, localization: 0.25 }, mean_accuracy: 0.375,
      majority: { counting: 0.253, localization: 0.333 }, diagnostics: {}, time: '',
    };
    const lines = describeEval(record);
    assert.equal(lines[1], '  chance (majority answer): counting 25.3%, localization 33.3%');
    const metrics: MetricRecord[] = [{ type: 'eval', step: 9, accuracy: record.accuracy, mean_accuracy: record.mean_accuracy, majority: record.majority }];
    const final = finalMetrics({ name: 'r', label: 'r', metrics });
    assert.equal(final['chance.counting'], 0.253);
    assert.equal(final['chance.localization'], 0.333);
    assert.equal(describeEval({ ...record, majority: undefined }).length, 1, 'older records without it print no chance line');
  });
});
