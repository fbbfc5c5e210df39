// SFT's vision probe (method.sft.vision_probe): an auxiliary loss that trains a vision path
// from scratch. One linear head per listed task reads the mean image token and is trained
// with CE on the example's answer. Through the decoder alone a 2-layer encoder never learns
// shape: the decoder's attention readout gives it almost no gradient until it already sees
// shape, a plateau a pooled head does not have (docs/pretraining.md).
//
// The heads live beside the model's weights as sft.vision_probe.<task>.{weight,bias} so
// they train, checkpoint and resume with it; shipping and export leave them out.
import { tf } from '../backend';
import type { Example } from '../data/example';
import { ParamStore } from '../model/params';
import type { TinyVlm } from '../model/tinyVlm';
import { addProbeHeads, VISION_PROBE_PREFIX } from './probeHeads';

interface Head { weight: tf.Variable; bias: tf.Variable; answers: string[] }

export interface ProbeLabel { task: string; onehot: tf.Tensor2D; count: number }

export interface VisionProbe {
  /** Per task with labelled rows in the batch: one-hot answers [B, A] (zero rows for other examples). */
  labels(examples: Example[]): ProbeLabel[];
  /** imageTokens [B, P, d] → mean CE of every labelled row over its task's answers. */
  loss(imageTokens: tf.Tensor3D, labels: ProbeLabel[]): tf.Scalar;
}

/** Registers one head per task (answers: the task's distinct training answers, sorted). */
export function createVisionProbe(model: TinyVlm, tasks: string[], train: Example[], seed: number): VisionProbe {
  const d = model.shape.d;
  const store = new ParamStore(seed);
  const heads = new Map<string, Head>();
  for (const task of tasks) {
    const answers = [...new Set(train.filter((e) => e.task === task).map((e) => e.answer))].sort();
    if (answers.length < 2) throw new Error(`assertion: method.sft.vision_probe task ${task} has ${answers.length} distinct answer(s) in the training split`);
    const name = `${VISION_PROBE_PREFIX}${task}`;
    const head = {
      weight: store.create(`${name}.weight`, [d, answers.length], { kind: 'normal', std: 1 / Math.sqrt(d) }),
      bias: store.create(`${name}.bias`, [answers.length], { kind: 'zeros' }),
      answers,
    };
    heads.set(task, head);
  }
  addProbeHeads(model, store);
  return {
    labels(examples) {
      const out: ProbeLabel[] = [];
      for (const [task, head] of heads) {
        const A = head.answers.length;
        const onehot = new Float32Array(examples.length * A);
        let count = 0;
        examples.forEach((e, i) => {
          const k = e.task === task ? head.answers.indexOf(e.answer) : -1;
          if (k < 0) return;   // another task, or an answer the training split never gave
          onehot[i * A + k] = 1;
          count++;
        });
        if (count) out.push({ task, onehot: tf.tensor2d(onehot, [examples.length, A]), count });
      }
      return out;
    },
    loss(imageTokens, labels) {
      // Every head scores every row; the one-hot is zero on rows of other tasks (no gather:
      // its gradient needs UnsortedSegmentSum, which tfjs-wasm lacks).
      const pooled = tf.mean(imageTokens, 1);                                     // [B, d]
      let total: tf.Tensor = tf.scalar(0), count = 0;
      for (const l of labels) {
        const head = heads.get(l.task)!;
        const logits = tf.add(tf.matMul(pooled, head.weight), head.bias);         // [B, A]
        total = tf.add(total, tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), l.onehot))));
        count += l.count;
      }
      return tf.div(total, Math.max(1, count)) as tf.Scalar;
    },
  };
}
