// The user's own data: JSONL files, one example per line:
//   {"image": "cats/01.png", "question": "how many cats?", "choices": ["1", "2"], "answer": "2",
//    "rationale": ["i see two cats."]}
// `choices` (alias `options`) and `rationale` (a string or a list of strings) are optional.
// Images (PNG or JPEG) are relative to image_root. Every problem is reported as
// `file:line: what is wrong; what to do`, then the line is skipped (on_error: skip, counted in
// `problems`) or the load fails listing every problem (on_error: fail). Never silently.
// Text is normalised the way the tokenizer spells it (lower case, punctuation split), so an
// answer always survives encode → decode.

import * as fs from 'fs';
import * as path from 'path';
import { JsonlSpec } from '../../core/experiment';
import { contentHash } from './contentHash';
import { Example } from './example';
import { loadImageFile } from './image';
import { Rng } from './rng';
import type { LoadedSplits } from './splits';
import { Tokenizer } from './tokenizer';

export interface JsonlOptions {
  imageRoot: string;          // absolute or relative to the working directory
  imageSize: number;
  onError: 'skip' | 'fail';
  displayName?: string;       // how messages name the file (default: the path given)
}

export interface JsonlLoad { examples: Example[]; problems: string[] }

/** Fraction of train held out for a split the spec leaves out. */
const HOLDOUT_FRACTION = 0.1;
/** Problems listed in a failure message before "and N more". */
const MAX_LISTED = 20;

function failWith(problems: string[], what: string): never {
  const listed = problems.slice(0, MAX_LISTED).join('\n  ');
  const more = problems.length > MAX_LISTED ? `\n  … and ${problems.length - MAX_LISTED} more` : '';
  throw new Error(`${what}: ${problems.length} problem(s) (set data.jsonl.on_error: skip to drop these lines instead):\n  ${listed}${more}`);
}

/** A sentence list from a rationale string ("a. b." → ["a.", "b."]) or list. */
function rationaleSteps(value: string | string[]): string[] {
  const parts = typeof value === 'string' ? value.split(/(?<=[.?!])\s+/) : value;
  return parts.map((s) => Tokenizer.normalize(s)).filter((s) => s !== '');
}

/** Checks one parsed line; returns the fields or a description of what is wrong. */
function parseRecord(record: unknown): { fields: Omit<Example, 'id' | 'task' | 'imageSize' | 'image'> & { imagePath: string } } | { error: string } {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    return { error: 'expected a JSON object like {"image": ..., "question": ..., "answer": ...}' };
  }
  const r = record as Record<string, unknown>;
  for (const field of ['image', 'question', 'answer']) {
    if (!(field in r)) return { error: `missing field "${field}"; every line needs "image", "question" and "answer"` };
    if (typeof r[field] !== 'string' || (r[field] as string).trim() === '') {
      return { error: `field "${field}" must be a non-empty string, got ${JSON.stringify(r[field])}${typeof r[field] === 'number' ? ' (quote it)' : ''}` };
    }
  }
  if ('choices' in r && 'options' in r) return { error: 'both "choices" and "options" given; keep one (they mean the same)' };
  const rawChoices = r.choices ?? r.options;
  const choiceField = 'choices' in r ? 'choices' : 'options';
  let choices: string[] | undefined;
  if (rawChoices !== undefined) {
    if (!Array.isArray(rawChoices) || rawChoices.length < 2 || rawChoices.some((c) => typeof c !== 'string' || c.trim() === '')) {
      return { error: `field "${choiceField}" must be a list of at least two non-empty strings` };
    }
    choices = rawChoices.map((c: string) => Tokenizer.normalize(c));
  }
  const answer = Tokenizer.normalize(r.answer as string);
  if (choices && !choices.includes(answer)) {
    return { error: `answer ${JSON.stringify(r.answer)} is not one of ${choiceField} ${JSON.stringify(rawChoices)}; make it match one exactly` };
  }
  let rationale: string[] = [];
  if (r.rationale !== undefined) {
    const v = r.rationale;
    if (!(typeof v === 'string' || (Array.isArray(v) && v.every((s) => typeof s === 'string')))) {
      return { error: 'field "rationale" must be a string or a list of strings' };
    }
    rationale = rationaleSteps(v as string | string[]);
  }
  return {
    fields: { imagePath: r.image as string, question: Tokenizer.normalize(r.question as string), answer, choices, rationale },
  };
}

/** Loads one JSONL file. Throws when the file itself cannot be read, or on the first pass's problems when onError is fail. */
export async function loadJsonl(file: string, opts: JsonlOptions): Promise<JsonlLoad> {
  const name = opts.displayName ?? file;
  let text: string;
  try {
    text = await fs.promises.readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`${name}: cannot read the JSONL file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); check the path in data.jsonl`);
  }
  const examples: Example[] = [];
  const problems: string[] = [];
  const images = new Map<string, Float32Array | string>();   // resolved path → pixels or error (decoded once)
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    const where = `${name}:${i + 1}`;
    if (line.trim() === '') return;   // blank lines (a trailing newline) are not examples
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (err) {
      problems.push(`${where}: invalid JSON (${(err as Error).message}); fix the line or delete it`);
      return;
    }
    const parsed = parseRecord(record);
    if ('error' in parsed) {
      problems.push(`${where}: ${parsed.error}`);
      return;
    }
    const { imagePath, ...fields } = parsed.fields;
    const resolved = path.resolve(opts.imageRoot, imagePath);
    let image = images.get(resolved);
    if (image === undefined) {
      try {
        image = loadImageFile(resolved, opts.imageSize);
      } catch (err) {
        image = (err as Error).message;
      }
      images.set(resolved, image);
    }
    if (typeof image === 'string') {
      problems.push(`${where}: image "${imagePath}" (${resolved}): ${image}; check the file and data.jsonl.image_root, or remove the line`);
      return;
    }
    examples.push({ id: `${path.basename(file)}:${i + 1}`, task: 'jsonl', imageSize: opts.imageSize, image, ...fields });
  });
  if (problems.length > 0 && opts.onError === 'fail') failWith(problems, name);
  return { examples, problems };
}

/**
 * All three splits from a JsonlSpec. A split without a file is held out of train (10%,
 * deterministic from the seed). An val/test example with the same image and question as an
 * earlier split's example is a problem like any other (evaluation must not score memorised data).
 */
export async function loadJsonlSplits(spec: JsonlSpec, imageSize: number, seed: number, baseDir: string): Promise<LoadedSplits> {
  const opts = { imageRoot: path.resolve(baseDir, spec.image_root), imageSize, onError: 'skip' as const };
  const load = (file: string): Promise<JsonlLoad> => loadJsonl(path.resolve(baseDir, file), { ...opts, displayName: file });
  const train = await load(spec.train);
  const problems = [...train.problems];
  const out: LoadedSplits = { train: train.examples, val: [], test: [], problems };

  const held = out.train.slice();
  Rng.fromSeed(seed, 'data', 'jsonl', 'holdout').shuffle(held);
  const holdCount = Math.round(held.length * HOLDOUT_FRACTION);
  const heldOut = new Set<Example>();
  for (const split of ['val', 'test'] as const) {
    const file = spec[split];
    if (file) {
      const loaded = await load(file);
      problems.push(...loaded.problems);
      out[split] = loaded.examples;
    } else {
      out[split] = held.splice(0, holdCount);
      out[split].forEach((e) => heldOut.add(e));
    }
  }
  out.train = out.train.filter((e) => !heldOut.has(e));

  // De-duplicate: val against train, test against train and val.
  const seen = new Map<string, string>();
  for (const split of ['train', 'val', 'test'] as const) {
    out[split] = out[split].filter((e) => {
      const key = contentHash(e.image, e.question);
      const first = seen.get(key);
      if (first !== undefined && split !== 'train') {
        problems.push(`${spec[split] ?? spec.train}:${e.id.split(':').pop()}: same image and question as ${first}; removed from ${split} so evaluation does not score a training example`);
        return false;
      }
      if (first === undefined) seen.set(key, `${split === 'train' ? spec.train : spec[split]}:${e.id.split(':').pop()}`);
      return true;
    });
  }
  if (problems.length > 0 && spec.on_error === 'fail') failWith(problems, 'data.jsonl');
  return out;
}
