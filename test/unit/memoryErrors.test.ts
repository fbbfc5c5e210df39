// A step that runs tfjs-wasm out of memory fails with advice, not with emscripten's bare "Aborted()".
import * as assert from 'node:assert/strict';
import { explainMemoryFailure } from '../../src/engine/memoryErrors';

describe('out-of-memory failures', () => {
  it('explains wasm aborts and failed heap growth, and leaves every other error as it was', () => {
    for (const raw of ['Aborted(). Build with -sASSERTIONS for more info.', 'memory access out of bounds', 'RangeError: WebAssembly.Memory.grow(): Maximum memory size exceeded']) {
      const m = explainMemoryFailure(raw);
      assert.ok(m.startsWith(raw), m);
      assert.match(m, /ran out of memory/);
      assert.match(m, /train\.batch_size/);
    }
    for (const raw of ['loss is NaN at step 3', 'checkpoint.json: bad checksum']) assert.equal(explainMemoryFailure(raw), raw);
  });
});
