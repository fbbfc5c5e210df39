// Small configs, a fake tokenizer and synthetic examples for the model tests.
import type { LatentsConfig, ModelConfig } from '../../src/core/experiment';
import type { Example } from '../../src/engine/data/example';
import { mulberry32 } from '../../src/engine/model/params';
import { SPECIAL, type TokenizerLike } from '../../src/engine/model/sequence';

export const IMAGE_SIZE = 16;   // 4×4 patches of 4×4 → P = 16
export const T = 40;

export function smallModel(over: Partial<ModelConfig> = {}): ModelConfig {
  return {
    patch_size: 4, pixel_norm: 'center', stem_channels: 0, init: 'gpt2', patch_init_std: 0.02, vision_pos_init_std: 0.02, d_vision: 32, vision_layers: 1, vision_heads: 2,
    d_model: 32, layers: 2, heads: 2, mlp_ratio: 4,
    finetune: { mode: 'full', lora: { rank: 4, alpha: 8, targets: ['attn_q', 'attn_k', 'attn_v', 'attn_o', 'mlp_in', 'mlp_out'] }, freeze_vision: false, freeze_projector: false },
    ...over,
  };
}

export function smallLatents(over: Partial<LatentsConfig> = {}): LatentsConfig {
  return { count: 4, embedding: 'unshared', placement: 'after_prompt', feedback: 'embedding', ...over };
}

/** Word-level tokenizer over a fixed word list; ids after the 9 specials. */
export class FakeTokenizer implements TokenizerLike {
  private readonly words: string[];
  constructor(words: string[]) { this.words = words; }
  get size(): number { return Object.keys(SPECIAL).length + this.words.length; }
  encode(text: string): number[] {
    return text.split(' ').filter(Boolean).map((w) => {
      const i = this.words.indexOf(w);
      return i < 0 ? SPECIAL.unk : Object.keys(SPECIAL).length + i;
    });
  }
}

export const WORDS = ['how', 'many', 'red', 'blue', 'dots', 'are', 'there', 'one', 'two', 'three', 'count', 'the', 'is', 'left'];
export const tokenizer = new FakeTokenizer(WORDS);

export function randomImage(seed: number, size = IMAGE_SIZE): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: size * size * 3 }, () => r());
}

/** B examples with prompts of different lengths (so latent/answer positions differ per row). */
export function examples(B: number, seed = 1): Example[] {
  const questions = ['how many red dots', 'how many blue dots are there', 'count the red dots', 'how many dots'];
  const answers = ['two', 'three', 'one', 'two three'];
  return Array.from({ length: B }, (_, i) => ({
    id: `ex${i}`, task: 'counting', imageSize: IMAGE_SIZE, image: randomImage(seed * 100 + i),
    question: questions[i % questions.length], answer: answers[i % answers.length], rationale: ['count the red dots'],
  }));
}

import { tf } from '../../src/engine/backend';
import type { EncodedBatch } from '../../src/engine/model/sequence';
import type { BatchTensors, TinyVlm } from '../../src/engine/model/tinyVlm';

/** Host one-hot [ids.length, V] float32: the reference the backend-built one-hot is checked against. */
export function oneHot(ids: Int32Array, V: number): Float32Array {
  const out = new Float32Array(ids.length * V);
  ids.forEach((id, i) => { out[i * V + id] = 1; });
  return out;
}

/** Masked next-token cross-entropy over the answer positions (a test stand-in for the methods' loss). */
export function answerLoss(model: TinyVlm, batch: BatchTensors, enc: EncodedBatch): tf.Scalar {
  const { B, T, vocabSize: V } = enc;
  const logits = tf.reshape(model.forward(batch).logits, [B * T, V]);
  const target = tf.tensor2d(oneHot(enc.targets, V), [B * T, V]);
  const w = tf.tensor1d(enc.lossMask);
  const nll = tf.neg(tf.sum(tf.mul(target, tf.logSoftmax(logits)), -1)); // [B·T]
  return tf.div(tf.sum(tf.mul(nll, w)), Math.max(1, enc.lossMask.reduce((a, b) => a + b, 0)));
}
