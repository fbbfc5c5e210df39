// What every task generator shares: the generator interface and the Example builder.

import { Canvas, ShapeName, SHAPE_PLURAL } from '../canvas';
import { Example, FocusBox } from '../example';
import { Rng } from '../rng';

export type AnswerFormat = 'multiple_choice' | 'open';

export interface TaskGenerator {
  readonly name: string;
  /** Smallest image_size the task can draw legibly; generateSplits rejects smaller ones. */
  readonly minImageSize: number;
  /** One example; `id` is left empty (the split assigns it). */
  generate(rng: Rng, imageSize: number, format: AnswerFormat): Example;
}

/** Digits for numbers, everywhere (answers, questions, rationales): one token each. */
export const NUMBER_WORDS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

export interface ExampleParts {
  task: string;
  canvas: Canvas;
  question: string;
  answer: string;
  /** Every answer the question could have; multiple choice shows `choiceCount` of them. */
  answerSpace: readonly string[];
  rationale: string[];
  format: AnswerFormat;
  choiceCount?: number;
  /** Boxes of the object(s) the answer is about (objectBox); omitted when there is none (e.g. "is there …?" → no). */
  focus?: FocusBox[];
}

/** Assembles an Example; for multiple choice, the answer plus random distractors, in random order. */
export function buildExample(rng: Rng, parts: ExampleParts): Example {
  const { task, canvas, question, answer, answerSpace, rationale, format } = parts;
  if (!answerSpace.includes(answer)) throw new Error(`${task}: answer ${JSON.stringify(answer)} is outside its answer space`);
  const example: Example = {
    id: '',
    task,
    imageSize: canvas.size,
    image: canvas.data,
    question,
    answer,
    rationale,
  };
  if (parts.focus?.length) example.focus = parts.focus;
  if (canvas.shapeMap.some((v) => v >= 0)) example.shapeMap = canvas.shapeMap;
  if (canvas.objects.length) example.objects = canvas.objects;
  if (format === 'multiple_choice') {
    const count = Math.min(parts.choiceCount ?? 4, answerSpace.length);
    const distractors = rng.sample(answerSpace.filter((a) => a !== answer), count - 1);
    example.choices = rng.shuffle([answer, ...distractors]);
  }
  return example;
}

/** "a red circle", "an orange square". */
export function withArticle(words: string): string {
  return `${/^[aeiou]/.test(words) ? 'an' : 'a'} ${words}`;
}

export function plural(shape: ShapeName, n: number): string {
  return n === 1 ? shape : SHAPE_PLURAL[shape];
}

/** Coarse position words for a point in an image of `size` pixels. */
export function quadrantOf(cx: number, cy: number, size: number): string {
  return `${cy < size / 2 ? 'top' : 'bottom'} ${cx < size / 2 ? 'left' : 'right'}`;
}

export const QUADRANTS = ['top left', 'top right', 'bottom left', 'bottom right'];

export function checkSize(task: string, imageSize: number, min: number): void {
  if (imageSize < min) {
    throw new Error(`task ${task} needs data.image_size ≥ ${min} to draw its objects legibly (got ${imageSize}); raise data.image_size or drop the task`);
  }
}

/** The box of pixels an object of half-extent r drawn at (cx, cy) may paint (Canvas.shape reaches r + 0.25 for triangles and diamonds). */
export function objectBox(cx: number, cy: number, r: number): FocusBox {
  const e = r + 0.5;
  return [cx - e, cy - e, cx + e, cy + e];
}
