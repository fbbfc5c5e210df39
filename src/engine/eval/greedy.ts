// Plain greedy decoding of a few tokens after each example's prompt (and latents),
// through model/generate.ts (the KV cache when speedups.kvCache is on). Used to
// check that two backends generate the same text (gpuExactness.ts); evaluation
// itself scores exact match in one teacher-forced pass (evaluate.ts).
import type { Example } from '../data/example';
import { SEGMENT } from '../model/segments';
import { encodeExamples, SPECIAL } from '../model/sequence';
import { startDecoding } from '../model/generate';
import type { Session } from '../session';

export interface GreedyTrace {
  tokens: number[][];        // [B][n] ids picked, pad never
  logits: Float32Array[];    // per read, [B·V] at each row's newest position
}

/** Up to `n` greedy tokens per example (fewer where the sequence is full). */
export async function greedyTokens(session: Session, examples: Example[], n: number): Promise<GreedyTrace> {
  const enc = encodeExamples(examples, session.tokenizer, { ...session.layout, includeAnswer: false });
  const { B, T } = enc;
  const ids = Int32Array.from(enc.tokenIds);
  const segs = Int32Array.from(enc.segments);
  const cursor = Array.from(enc.length);
  const done = cursor.map((c) => c >= T);
  const trace: GreedyTrace = { tokens: examples.map(() => []), logits: [] };
  const decoding = startDecoding(session.model, enc, false);
  try {
    for (let i = 0; i < n && done.some((d) => !d); i++) {
      const { logits } = await decoding.read(ids, segs, cursor, done, null);
      trace.logits.push(logits);
      const V = logits.length / B;
      for (let b = 0; b < B; b++) {
        if (done[b]) continue;
        let best = -1;   // argmax over every id but pad
        for (let v = 0; v < V; v++) if (v !== SPECIAL.pad && (best < 0 || logits[b * V + v] > logits[b * V + best])) best = v;
        trace.tokens[b].push(best);
        ids[b * T + cursor[b]] = best;
        segs[b * T + cursor[b]] = SEGMENT.answer;
        cursor[b] += 1;
        if (cursor[b] >= T) done[b] = true;
      }
    }
  } finally {
    decoding.dispose();
  }
  return trace;
}
