// similarity: a reference object above a line, candidates below it numbered left to right;
// "which candidate matches the reference?". Wrong candidates are near misses: the same shape in
// another colour, the same colour in another shape, so both attributes must be checked.

import { Canvas, ColourName, OBJECT_COLOURS, PALETTE, ShapeName, SHAPES } from '../canvas';
import { buildExample, checkSize, NUMBER_WORDS, TaskGenerator, withArticle } from './common';
import { MIN_IMAGE_SIZE } from '../../../core/taskImageSizes';

const CANDIDATES = 4;

export const similarity: TaskGenerator = {
  name: 'similarity',
  minImageSize: MIN_IMAGE_SIZE.similarity,
  generate(rng, size, format) {
    checkSize(this.name, size, this.minImageSize);
    const colour = rng.pick(OBJECT_COLOURS);
    const shape = rng.pick(SHAPES);

    // One exact match and three distinct near misses.
    const candidates: [ColourName, ShapeName][] = [[colour, shape]];
    const seen = new Set([`${colour} ${shape}`]);
    const addMiss = (c: ColourName, s: ShapeName): boolean => {
      if (seen.has(`${c} ${s}`)) return false;
      seen.add(`${c} ${s}`);
      candidates.push([c, s]);
      return true;
    };
    addMiss(rng.pick(OBJECT_COLOURS.filter((c) => c !== colour)), shape);
    addMiss(colour, rng.pick(SHAPES.filter((s) => s !== shape)));
    while (candidates.length < CANDIDATES) addMiss(rng.pick(OBJECT_COLOURS), rng.pick(SHAPES));
    rng.shuffle(candidates);
    const match = candidates.findIndex(([c, s]) => c === colour && s === shape);

    const canvas = new Canvas(size);
    const cell = size / CANDIDATES;
    const r = Math.max(1.5, cell * 0.35);
    const jitter = (): number => rng.uniform(-0.5, 0.5);
    canvas.shape(shape, size / 2 + rng.uniform(-cell, cell), size / 4 + jitter(), r, PALETTE[colour]);
    canvas.rect(0, Math.floor(size / 2), size, 1, PALETTE.gray);
    candidates.forEach(([c, s], i) => canvas.shape(s, (i + 0.5) * cell + jitter(), (3 * size) / 4 + jitter(), r, PALETTE[c]));

    const answer = NUMBER_WORDS[match + 1];
    return buildExample(rng, {
      task: this.name,
      canvas,
      question: 'which candidate below the line matches the reference above it?',
      answer,
      answerSpace: NUMBER_WORDS.slice(1, CANDIDATES + 1),
      rationale: [`the reference is ${withArticle(`${colour} ${shape}`)}.`, `candidate ${answer} from the left is ${withArticle(`${colour} ${shape}`)}.`, `so it is ${answer}.`],
      format,
    });
  },
};
