// Cached decoding (model/generate.ts, speedups.kvCache) against a full forward pass
// per token: the same logits (and fed-back hidden states) at every read, hence the
// same greedy tokens, with rows at different cursors, latent blocks written several
// positions at a time, rows finishing early, LoRA adapters and both feedback modes.
// (VaLR's generateBatch, which uses it, runs end to end in valr.test.ts.)
import * as assert from 'node:assert/strict';
import { selectBackend, tf } from '../../src/engine/backend';
import { installNativeKernels } from '../../src/engine/kernels';
import { startDecoding, type Readout } from '../../src/engine/model/generate';
import { SEGMENT } from '../../src/engine/model/segments';
import { encodeExamples, SPECIAL } from '../../src/engine/model/sequence';
import { speedups } from '../../src/engine/model/speedups';
import { createTinyVlm, type TinyVlm } from '../../src/engine/model/tinyVlm';
import { examples, smallLatents, smallModel, tokenizer } from './modelFixtures';

const T = 72, K = 3, B = 4, READS = 14;

interface Trace { reads: Readout[]; tokens: number[][] }

/**
 * A scripted greedy loop: each row writes its argmax (never pad), every 4th read a
 * latent block <latStart> <lat>×K <latEnd> at once (embedding feedback) or one latent
 * per read (hidden_state feedback, from the read's hidden state); row 1 stops after 5 reads.
 */
async function generate(model: TinyVlm, kv: boolean, hiddenFeedback: boolean): Promise<Trace> {
  speedups.kvCache = kv;
  try {
    const enc = encodeExamples(examples(B, 7), tokenizer, { T, patchSize: 4, latentCount: 0, placement: 'after_prompt', includeAnswer: false });
    const ids = Int32Array.from(enc.tokenIds), segs = Int32Array.from(enc.segments);
    const cursor = Array.from(enc.length), done = new Array<boolean>(B).fill(false);
    const d = model.shape.d;
    const latentInput = hiddenFeedback ? new Float32Array(B * T * d) : null;
    const pending = new Array<number>(B).fill(0);
    const write = (b: number, id: number, seg: number) => { ids[b * T + cursor[b]] = id; segs[b * T + cursor[b]] = seg; cursor[b] += 1; };
    const decoding = startDecoding(model, enc, hiddenFeedback);
    const trace: Trace = { reads: [], tokens: examples(B).map(() => []) };
    for (let r = 0; r < READS; r++) {
      const out = await decoding.read(ids, segs, cursor, done, latentInput);
      trace.reads.push(out);
      const V = out.logits.length / B;
      for (let b = 0; b < B; b++) {
        if (done[b]) continue;
        if (pending[b] > 0 && latentInput) {
          latentInput.set(out.hidden!.subarray(b * d, (b + 1) * d), (b * T + cursor[b]) * d);
          write(b, SPECIAL.lat, SEGMENT.latent);
          if (--pending[b] === 0) write(b, SPECIAL.latEnd, SEGMENT.answer);
          continue;
        }
        if (r % 4 === 1) {
          write(b, SPECIAL.latStart, SEGMENT.answer);
          if (latentInput) { pending[b] = K; continue; }
          for (let k = 0; k < K; k++) write(b, SPECIAL.lat, SEGMENT.latent);
          write(b, SPECIAL.latEnd, SEGMENT.answer);
          continue;
        }
        const row = out.logits.subarray(b * V + 1, (b + 1) * V);   // argmax over every id but pad (0)
        const id = 1 + row.indexOf(Math.max(...row));
        trace.tokens[b].push(id);
        write(b, id, SEGMENT.answer);
        if (b === 1 && r === 5) done[b] = true;
      }
    }
    decoding.dispose();
    return trace;
  } finally { speedups.kvCache = true; }
}

function maxGap(a: Trace, b: Trace, field: 'logits' | 'hidden'): number {
  let gap = 0;
  a.reads.forEach((r, i) => {
    const x = r[field]!, y = b.reads[i][field]!;
    x.forEach((v, j) => { if (y[j] !== 0 || v !== 0) gap = Math.max(gap, Math.abs(v - y[j])); });
  });
  return gap;
}

describe('cached decoding (model/generate.ts)', function () {
  this.timeout(120000);
  before(async () => {
    await selectBackend('wasm', { threads: 1 });
    installNativeKernels(tf, { mode: 'auto', threads: 1 });   // LATENT_LAB_NATIVE=off (npm run test:native-off): stock kernels
  });

  for (const feedback of ['embedding', 'hidden_state'] as const) {
    it(`${feedback} feedback: cached and full decoding read the same logits and pick the same tokens; numTensors flat`, async () => {
      const model = createTinyVlm(smallModel({ finetune: { ...smallModel().finetune, mode: 'lora' } }), smallLatents({ count: K, feedback }),
        tokenizer.size, T, 5, 16);
      try {
        // Non-zero LoRA B: the adapters take part in the cached path too.
        tf.tidy(() => { for (const [n, v] of model.variables) if (n.endsWith('.lora_b')) v.assign(tf.randomNormal(v.shape, 0, 0.05, 'float32', 3)); });
        const before = tf.memory().numTensors;
        const cached = await generate(model, true, feedback === 'hidden_state');
        assert.equal(tf.memory().numTensors, before, 'every cache tensor is freed');
        const full = await generate(model, false, feedback === 'hidden_state');
        assert.deepEqual(cached.tokens, full.tokens);
        // float32 sums over T or over a chunk of L rows in another order: ~1e-6 on logits of order 1.
        const gap = maxGap(cached, full, 'logits');
        assert.ok(gap < 1e-4, `max |Δlogit| = ${gap}`);
        if (feedback === 'hidden_state') assert.ok(maxGap(cached, full, 'hidden') < 1e-4, 'fed-back hidden states agree');
      } finally { model.dispose(); }
    });
  }
});
