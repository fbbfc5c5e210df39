// small_object (a V*/HRBench analogue): many large distractors and one small target in a large
// image; "what colour is the small triangle?". The target is the only object of its shape and
// the only small one; its colour is uniform and independent of the distractors' colours.

import { Canvas, gridSlots, OBJECT_COLOURS, PALETTE, SHAPES, squareGrid } from '../canvas';
import { buildExample, checkSize, objectBox, quadrantOf, TaskGenerator } from './common';
import { MIN_IMAGE_SIZE } from '../../../core/taskImageSizes';

export const smallObject: TaskGenerator = {
  name: 'small_object',
  minImageSize: MIN_IMAGE_SIZE.small_object,
  generate(rng, size, format) {
    checkSize(this.name, size, this.minImageSize);
    const cells = 4;
    const grid = squareGrid(size, cells);
    const shape = rng.pick(SHAPES);
    const colour = rng.pick(OBJECT_COLOURS);
    const distractors = rng.range(6, 10);
    const [target, ...others] = gridSlots(rng, distractors + 1, grid);

    const canvas = new Canvas(size);
    const otherShapes = SHAPES.filter((s) => s !== shape);
    for (const slot of others) canvas.shape(rng.pick(otherShapes), slot.cx, slot.cy, slot.r, PALETTE[rng.pick(OBJECT_COLOURS)]);
    const small = Math.max(1.5, size / 32);
    canvas.shape(shape, target.cx, target.cy, small, PALETTE[colour]);

    return buildExample(rng, {
      task: this.name,
      canvas,
      question: `what colour is the small ${shape}?`,
      answer: colour,
      answerSpace: OBJECT_COLOURS,
      rationale: [`i search the image for a small ${shape}.`, `it is at the ${quadrantOf(target.cx, target.cy, size)}.`, `its colour is ${colour}.`],
      format,
      focus: [objectBox(target.cx, target.cy, small)],
    });
  },
};
