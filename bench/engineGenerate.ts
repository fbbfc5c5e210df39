// Greedy decoding speed of the engine (model/generate.ts) with and without the KV
// cache: ms per generated token for a batch of B rows, after the prefix (the image
// and the prompt) has run once. Tokens are the argmax, one position per row per call.
import { startDecoding } from '../src/engine/model/generate';
import { SEGMENT } from '../src/engine/model/segments';
import { encodeExamples } from '../src/engine/model/sequence';
import { speedups } from '../src/engine/model/speedups';
import type { Example } from '../src/engine/data/example';
import type { Session } from '../src/engine/session';

export async function generationMs(s: Session, examples: Example[], tokens: number, kv: boolean): Promise<{ msPerToken: number; prefixMs: number }> {
  speedups.kvCache = kv;
  try {
    const enc = encodeExamples(examples, s.tokenizer, { ...s.layout, includeAnswer: false });
    const { B, T } = enc;
    const ids = Int32Array.from(enc.tokenIds), segs = Int32Array.from(enc.segments);
    const cursor = Array.from(enc.length), done = new Array<boolean>(B).fill(false);
    const decoding = startDecoding(s.model, enc, false);
    const times: number[] = [];
    let prefixMs = 0;
    for (let i = 0; i <= tokens && cursor.every((c) => c < T); i++) {
      const t0 = process.hrtime.bigint();
      const { logits } = await decoding.read(ids, segs, cursor, done, null);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (i === 0) prefixMs = ms; else times.push(ms);
      const V = logits.length / B;
      for (let b = 0; b < B; b++) {
        const row = logits.subarray(b * V, (b + 1) * V);
        ids[b * T + cursor[b]] = row.indexOf(Math.max(...row));
        segs[b * T + cursor[b]] = SEGMENT.answer;
        cursor[b] += 1;
      }
    }
    decoding.dispose();
    times.sort((a, b) => a - b);
    return { msPerToken: times[times.length >> 1], prefixMs };
  } finally {
    speedups.kvCache = true;
  }
}
