// One visual question: the unit every data source produces and every method consumes.

import type { ObjectKind } from './canvas';

export interface Example {
  id: string;               // unique within its source, stable for a seed (used to de-duplicate splits)
  task: string;             // synthetic task name, or 'jsonl'
  imageSize: number;        // H = W
  image: Float32Array;      // [H, W, 3] row-major, values in [0, 1]
  question: string;         // lower-case words separated by spaces
  choices?: string[];       // multiple choice: the answer is one of these
  answer: string;           // the exact string greedy generation must produce
  rationale: string[];      // short reasoning steps, one sentence each (VaLR interleaves latents before each)
  /** Synthetic tasks: pixel boxes of what the answer is about (the named object(s)); read by method.sft.grounding. */
  focus?: FocusBox[];
  /** Synthetic tasks: [H, W] index into SHAPES of the object shape at each pixel, −1 elsewhere; read by method.sft.patch_probe. */
  shapeMap?: Int8Array;
  /** Synthetic tasks: the shape and colour of every object drawn; read by method.sft.patch_probe's count head. */
  objects?: ObjectKind[];
}

/** [x0, y0, x1, y1] in pixels, x1/y1 exclusive. */
export type FocusBox = [number, number, number, number];

export interface Splits { train: Example[]; val: Example[]; test: Example[] }
