// The dashboard's schedule line names a warmup that outlasts the run.
import * as assert from 'node:assert/strict';
import { describeSchedule } from '../../src/core/scheduleText';

describe('describeSchedule (dashboard config table)', () => {
  it('states kind and warmup, and says when the warmup is at least as long as the run', () => {
    assert.equal(describeSchedule({ kind: 'cosine', warmup_steps: 20 }, 279), 'cosine, warmup 20 steps');
    const long = describeSchedule({ kind: 'cosine', warmup_steps: 300 }, 279)!;
    assert.match(long, /longer than the run's 279 steps/);
    assert.match(long, /train\.schedule\.warmup_steps/);
    assert.equal(describeSchedule({ kind: 'linear', warmup_steps: 5 }, undefined), 'linear, warmup 5 steps', 'no total yet: no claim');
    assert.equal(describeSchedule(undefined, 10), undefined);
  });
});
