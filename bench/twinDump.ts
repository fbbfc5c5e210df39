// Hands the PyTorch twin (bench/torch_engine_step.py) exactly what the engine
// trains on: every weight by its docs/model.md name, one prepared batch (patches,
// token ids, segments, the additive mask, targets, loss weights) and the sizes.
// Format: <dir>/twin.json (sizes, names, shapes, offsets) + <dir>/twin.bin (float32).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TokenBatch } from '../src/engine/methods/sft';
import type { Session } from '../src/engine/session';

export async function dumpForTwin(s: Session, batch: TokenBatch, dir: string): Promise<string> {
  const cfg = s.config;
  const chunks: Float32Array[] = [];
  let offset = 0;
  const add = (data: Float32Array) => { chunks.push(data); const at = offset; offset += data.length; return at; };
  const weights = [...(await s.hostWeights())].map(([name, w]) => ({ name, shape: w.shape, offset: add(w.data), trainable: s.model.variables.get(name)!.trainable }));
  const { enc } = batch;
  const tensors = {
    patches: { shape: [enc.B, enc.P, enc.patchDim], offset: add(enc.patches) },
    tokens: { shape: [enc.B, enc.T], offset: add(Float32Array.from(enc.tokenIds)) },
    segments: { shape: [enc.B, enc.T], offset: add(Float32Array.from(enc.segments)) },
    targets: { shape: [enc.B, enc.T], offset: add(Float32Array.from(enc.targets)) },
    loss_weights: { shape: [enc.B, enc.T], offset: add(enc.lossMask) },
    mask: { shape: [enc.B, 1, enc.T, enc.T], offset: add(await batch.inputs.mask.data() as Float32Array) },
  };
  const meta = {
    model: { ...cfg.model, vocab: s.tokenizer.size, T: enc.T, P: enc.P, patch_dim: enc.patchDim },
    lora: cfg.model.finetune.mode === 'lora' ? cfg.model.finetune.lora : null,
    optimizer: cfg.train.optimizer, grad_clip: cfg.train.grad_clip, weights, tensors,
  };
  fs.mkdirSync(dir, { recursive: true });
  const all = new Float32Array(offset);
  let at = 0;
  for (const c of chunks) { all.set(c, at); at += c.length; }
  fs.writeFileSync(path.join(dir, 'twin.bin'), Buffer.from(all.buffer));
  fs.writeFileSync(path.join(dir, 'twin.json'), JSON.stringify(meta));
  return dir;
}
