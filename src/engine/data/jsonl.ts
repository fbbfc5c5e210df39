// The user's own data: JSONL files, one example per line:
//   {"image": "cats/01.png", "question": "how many cats?", "choices": ["1", "2"], "answer": "2",
//    "rationale": ["i see two cats."]}
// `choices` (alias `options`), `rationale` (a string or a list of strings) and `task` (a short
// name: accuracy and chance are reported per task, as for generated tasks; default `jsonl`) are
// optional. Images (PNG or JPEG) are relative to image_root and must stay inside it. Problems
// name the file and line and what is wrong, never the line's content (a file that is not JSONL,
// e.g. /etc/passwd, must not end up in train.log). Every problem is reported as
// `file:line: what is wrong; what to do`, then the line is skipped (on_error: skip, counted in
// `problems`) or the load fails listing every problem (on_error: fail). Never silently.
// Text is normalised the way the tokenizer spells it (lower case, punctuation split), so an
// answer always survives encode → decode.

import * as path from 'path';
import { FileReadError, READ_LIMITS, readTextBounded } from '../../core/boundedRead';
import { JsonlSpec } from '../../core/experiment';
import { LIMITS } from '../../core/validate/limits';
import { isInside } from '../../core/validate/confine';
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
/** A task name: what per-task accuracy is keyed by. */
const TASK_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const DEFAULT_TASK = 'jsonl';

/** The type of a JSON value, for messages that must not repeat the value itself. */
function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

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
function parseRecord(record: unknown): { fields: Omit<Example, 'id' | 'imageSize' | 'image'> & { imagePath: string } } | { error: string } {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    return { error: 'expected a JSON object like {"image": ..., "question": ..., "answer": ...}' };
  }
  const r = record as Record<string, unknown>;
  for (const field of ['image', 'question', 'answer']) {
    if (!(field in r)) return { error: `missing field "${field}"; every line needs "image", "question" and "answer"` };
    if (typeof r[field] !== 'string' || (r[field] as string).trim() === '') {
      return { error: `field "${field}" must be a non-empty string, got ${typeName(r[field])}${typeof r[field] === 'number' ? ' (quote it)' : ''}` };
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
    return { error: `"answer" is not one of "${choiceField}"; make it match one exactly` };
  }
  let rationale: string[] = [];
  if (r.rationale !== undefined) {
    const v = r.rationale;
    if (!(typeof v === 'string' || (Array.isArray(v) && v.every((s) => typeof s === 'string')))) {
      return { error: 'field "rationale" must be a string or a list of strings' };
    }
    rationale = rationaleSteps(v as string | string[]);
  }
  if (r.task !== undefined && (typeof r.task !== 'string' || !TASK_NAME.test(r.task))) {
    return { error: 'field "task" must be a short name (letters, digits, _ . -; at most 64 characters)' };
  }
  const task = (r.task as string | undefined) ?? DEFAULT_TASK;
  return {
    fields: { imagePath: r.image as string, task, question: Tokenizer.normalize(r.question as string), answer, choices, rationale },
  };
}

/** Loads one JSONL file. Throws when the file itself cannot be read, or on the first pass's problems when onError is fail. */
export async function loadJsonl(file: string, opts: JsonlOptions): Promise<JsonlLoad> {
  const name = opts.displayName ?? file;
  let text: string;
  try {
    text = readTextBounded(file, READ_LIMITS.jsonl, 'JSONL file');
  } catch (err) {
    const why = err instanceof FileReadError ? err.message.slice(file.length + 2) : (err as Error).message;
    throw new Error(`${name}: ${why}; check the path in data.jsonl`);
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
    } catch {
      // Not the parser's message: it quotes the line, and the line may be anything (a password file).
      problems.push(`${where}: not valid JSON (each line must be one JSON object); fix the line or delete it`);
      return;
    }
    const parsed = parseRecord(record);
    if ('error' in parsed) {
      problems.push(`${where}: ${parsed.error}`);
      return;
    }
    const { imagePath, ...fields } = parsed.fields;
    const resolved = path.resolve(opts.imageRoot, imagePath);
    if (!isInside(resolved, [opts.imageRoot])) {
      problems.push(`${where}: field "image" points outside data.jsonl.image_root (${opts.imageRoot}); images must be inside it: move the image there, or fix the path`);
      return;
    }
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
    examples.push({ id: `${path.basename(file)}:${i + 1}`, imageSize: opts.imageSize, image, ...fields });
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
  const tasks = new Set([...out.train, ...out.val, ...out.test].map((e) => e.task));
  if (tasks.size > LIMITS.tasks) {
    throw new Error(`data.jsonl: the files name ${tasks.size} different "task" values, more than the ${LIMITS.tasks} allowed: use fewer, broader task names`);
  }

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
