// counting: "how many red squares are there?" — 1 to 6 targets among look-alike distractors.

import { Canvas, cellsFor, gridSlots, OBJECT_COLOURS, PALETTE, SHAPES, SHAPE_PLURAL, squareGrid } from '../canvas';
import { buildExample, checkSize, NUMBER_WORDS, objectBox, quadrantOf, TaskGenerator } from './common';
import { MIN_IMAGE_SIZE } from '../../../core/taskImageSizes';

const MAX_COUNT = 6;

export const counting: TaskGenerator = {
  name: 'counting',
  minImageSize: MIN_IMAGE_SIZE.counting,
  generate(rng, size, format) {
    checkSize(this.name, size, this.minImageSize);
    const cells = cellsFor(size, 3, 5);
    const count = rng.range(1, MAX_COUNT);   // uniform: the answer is not guessable from the question
    const colour = rng.pick(OBJECT_COLOURS);
    const shape = rng.pick(SHAPES);
    const distractors = rng.range(0, Math.min(4, cells * cells - count));
    const slots = gridSlots(rng, count + distractors, squareGrid(size, cells));
    const canvas = new Canvas(size);

    // Targets first; distractors share either the colour or the shape, never both.
    slots.forEach((slot, i) => {
      if (i < count) return canvas.shape(shape, slot.cx, slot.cy, slot.r, PALETTE[colour]);
      const sameColour = rng.chance(0.5);
      const c = sameColour ? colour : rng.pick(OBJECT_COLOURS.filter((x) => x !== colour));
      const s = sameColour ? rng.pick(SHAPES.filter((x) => x !== shape)) : rng.pick(SHAPES);
      canvas.shape(s, slot.cx, slot.cy, slot.r, PALETTE[c]);
    });

    // Reading order (top to bottom, left to right) for the rationale's "first" and "last".
    const targets = slots.slice(0, count).sort((a, b) => a.row - b.row || a.col - b.col);
    const plural = SHAPE_PLURAL[shape];
    const rationale = [`i look for ${colour} ${plural}.`, `the first is at the ${quadrantOf(targets[0].cx, targets[0].cy, size)}.`];
    if (count > 1) {
      const last = targets[count - 1];
      rationale.push(`the last is at the ${quadrantOf(last.cx, last.cy, size)}.`);
    }
    rationale.push(count === 1 ? 'there is 1.' : `there are ${count}.`);

    return buildExample(rng, {
      task: this.name,
      canvas,
      question: `how many ${colour} ${plural} are there?`,
      answer: NUMBER_WORDS[count],
      answerSpace: NUMBER_WORDS.slice(1, MAX_COUNT + 1),
      rationale,
      format,
      focus: slots.slice(0, count).map((slot) => objectBox(slot.cx, slot.cy, slot.r)),
    });
  },
};
