// Train/val/test splits from the experiment's data section.
//
// Synthetic: each task draws from its own streams Rng.fromSeed(seed, 'data', task, split), so a
// task's examples depend only on the seed, the task and the split sizes. Splits are generated
// test first, then val, then train, each de-duplicated against everything before it (content hash
// of image and question): growing the training set never changes the test set.
// Examples of all tasks are concatenated in the order the tasks are listed; the trainer shuffles.

import { DataConfig } from '../../core/experiment';
import { contentHash } from './contentHash';
import { Example, Splits } from './example';
import { loadJsonlSplits } from './jsonl';
import { Rng } from './rng';
import { TASKS } from './tasks';

/** Regenerations allowed for one example before the task space counts as exhausted. */
const MAX_ATTEMPTS = 200;

export interface LoadedSplits extends Splits {
  /** Data problems that were reported and skipped (JSONL lines, images); empty for synthetic data. */
  problems: string[];
}

const SPLIT_ORDER = ['test', 'val', 'train'] as const;

/**
 * The examples an experiment trains and evaluates on. `baseDir` is the folder relative JSONL
 * paths are resolved against (the experiment file's folder).
 */
export async function generateSplits(data: DataConfig, seed: number, baseDir = process.cwd()): Promise<LoadedSplits> {
  if (data.source === 'jsonl') {
    if (!data.jsonl) throw new Error('data.jsonl: source is jsonl but the jsonl section is missing; add data.jsonl with train and image_root');
    return loadJsonlSplits(data.jsonl, data.image_size, seed, baseDir);
  }
  const splits: LoadedSplits = { train: [], val: [], test: [], problems: [] };
  for (const spec of data.tasks) {
    const generator = TASKS[spec.name];
    if (!generator) throw new Error(`data.tasks: unknown task ${JSON.stringify(spec.name)}; choose one of ${Object.keys(TASKS).join(', ')}`);
    const seen = new Set<string>();
    for (const split of SPLIT_ORDER) {
      const rng = Rng.fromSeed(seed, 'data', spec.name, split);
      const size = spec[split];
      for (let i = 0; i < size; i++) {
        let example: Example | undefined;
        for (let attempt = 0; attempt < MAX_ATTEMPTS && !example; attempt++) {
          const candidate = generator.generate(rng, data.image_size, data.answer_format);
          const key = contentHash(candidate.image, candidate.question);
          if (!seen.has(key)) {
            seen.add(key);
            example = candidate;
          }
        }
        if (!example) {
          throw new Error(
            `data.tasks: task ${spec.name} ran out of distinct examples after ${seen.size} ` +
            `(${MAX_ATTEMPTS} duplicates in a row at image_size ${data.image_size}); the task space is too small ` +
            `for the requested size: lower its train/val/test counts or raise data.image_size`);
        }
        example.id = `${spec.name}/${split}/${i}`;
        splits[split].push(example);
      }
    }
  }
  return splits;
}

/**
 * A sample of every synthetic task that fits the image size, for building a
 * vocabulary that covers tasks a run does not train on: a pretrained base must
 * know the words of the tasks it will be fine-tuned on later (held-out ones too).
 */
export function vocabularySample(imageSize: number, format: DataConfig['answer_format'], seed: number, perTask = 200): Example[] {
  const out: Example[] = [];
  for (const [name, generator] of Object.entries(TASKS)) {
    if (imageSize < generator.minImageSize) continue;
    const rng = Rng.fromSeed(seed, 'vocabulary', name);
    for (let i = 0; i < perTask; i++) out.push(generator.generate(rng, imageSize, format));
  }
  return out;
}
