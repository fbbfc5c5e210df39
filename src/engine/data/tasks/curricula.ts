// Pretraining curricula: easy perception questions that teach the encoder colours, shapes and
// positions before the harder tasks. One generator each: colour, shape, position, presence,
// comparison, caption, find.

import { Canvas, cellsFor, ColourName, gridSlots, OBJECT_COLOURS, PALETTE, ShapeName, SHAPES, squareGrid } from '../canvas';
import { Rng } from '../rng';
import { buildExample, checkSize, objectBox, QUADRANTS, TaskGenerator, withArticle } from './common';
import type { FocusBox } from '../example';
import { MIN_IMAGE_SIZE } from '../../../core/taskImageSizes';

interface SingleObject { canvas: Canvas; colour: ColourName; shape: ShapeName; quadrant: string; box: FocusBox }

/** One object of random colour, shape and size, fully inside a random quadrant. */
function singleObject(rng: Rng, size: number): SingleObject {
  const colour = rng.pick(OBJECT_COLOURS), shape = rng.pick(SHAPES);
  const q = rng.int(4);
  const half = size / 2;
  const r = Math.max(1.5, half * rng.uniform(0.2, 0.35));
  const margin = r + 0.5;
  const cx = (q % 2) * half + rng.uniform(margin, half - margin);
  const cy = Math.floor(q / 2) * half + rng.uniform(margin, half - margin);
  const canvas = new Canvas(size);
  canvas.shape(shape, cx, cy, r, PALETTE[colour]);
  return { canvas, colour, shape, quadrant: QUADRANTS[q], box: objectBox(cx, cy, r) };
}

const ALL_CAPTIONS: string[] = [];
for (const c of OBJECT_COLOURS) for (const s of SHAPES) for (const q of QUADRANTS) ALL_CAPTIONS.push(`${withArticle(`${c} ${s}`)} at the ${q}`);

/** A question about the one object of a single-object image (the easiest curricula). */
function singleObjectTask(name: 'colour' | 'shape' | 'position', question: string, answerSpace: readonly string[],
  answerOf: (o: SingleObject) => string, rationaleOf: (o: SingleObject) => string[]): TaskGenerator {
  return {
    name,
    minImageSize: MIN_IMAGE_SIZE[name],
    generate(rng, size, format) {
      checkSize(name, size, this.minImageSize);
      const o = singleObject(rng, size);
      return buildExample(rng, { task: name, canvas: o.canvas, format, question, answer: answerOf(o), answerSpace, rationale: rationaleOf(o), focus: [o.box] });
    },
  };
}

export const colour = singleObjectTask('colour', 'what colour is the object?', OBJECT_COLOURS, (o) => o.colour,
  (o) => [`i see one object at the ${o.quadrant}.`, `it is ${withArticle(`${o.colour} ${o.shape}`)}.`]);

export const shape = singleObjectTask('shape', 'what shape is the object?', SHAPES, (o) => o.shape,
  (o) => [`i see ${withArticle(o.colour)} object.`, `its outline is a ${o.shape}.`]);

export const position = singleObjectTask('position', 'where is the object?', QUADRANTS, (o) => o.quadrant,
  (o) => [`i see ${withArticle(`${o.colour} ${o.shape}`)}.`, `it is in the ${o.quadrant} quarter.`]);

export const presence: TaskGenerator = {
  name: 'presence',
  minImageSize: MIN_IMAGE_SIZE.presence,
  generate(rng, size, format) {
    checkSize(this.name, size, this.minImageSize);
    const cells = cellsFor(size, 2, 4);
    const colour = rng.pick(OBJECT_COLOURS), shape = rng.pick(SHAPES);
    const present = rng.chance(0.5);
    const slots = gridSlots(rng, rng.range(1, Math.min(4, cells * cells)), squareGrid(size, cells));
    const canvas = new Canvas(size);
    const focus: FocusBox[] = [];
    slots.forEach((slot, i) => {
      if (present && i === 0) {
        focus.push(objectBox(slot.cx, slot.cy, slot.r));
        return canvas.shape(shape, slot.cx, slot.cy, slot.r, PALETTE[colour]);
      }
      // Others are near misses half the time (same colour or same shape), never the asked object.
      let c = rng.pick(OBJECT_COLOURS), s = rng.pick(SHAPES);
      if (rng.chance(0.5)) (rng.chance(0.5) ? (c = colour) : (s = shape));
      if (c === colour && s === shape) s = SHAPES[(SHAPES.indexOf(shape) + 1 + rng.int(SHAPES.length - 1)) % SHAPES.length];
      canvas.shape(s, slot.cx, slot.cy, slot.r, PALETTE[c]);
    });
    const answer = present ? 'yes' : 'no';
    return buildExample(rng, {
      task: this.name, canvas, format,
      question: `is there ${withArticle(`${colour} ${shape}`)}?`,
      answer,
      answerSpace: ['yes', 'no'],
      rationale: [`i look for ${withArticle(`${colour} ${shape}`)}.`, present ? 'i find one.' : 'i do not find one.', `so the answer is ${answer}.`],
      focus,
    });
  },
};

export const comparison: TaskGenerator = {
  name: 'comparison',
  minImageSize: MIN_IMAGE_SIZE.comparison,
  generate(rng, size, format) {
    checkSize(this.name, size, this.minImageSize);
    const cells = cellsFor(size, 3, 5);
    const most = Math.min(5, Math.floor((cells * cells - 1) / 2));
    // Two different counts in [1, most]; which colour gets the larger is a fair coin.
    const small = rng.range(1, most - 1);
    const large = rng.range(small + 1, most);
    const redWins = rng.chance(0.5);
    const reds = redWins ? large : small, blues = redWins ? small : large;
    const distractors = rng.range(0, Math.min(2, cells * cells - reds - blues));
    const slots = gridSlots(rng, reds + blues + distractors, squareGrid(size, cells));
    const canvas = new Canvas(size);
    const others = OBJECT_COLOURS.filter((c) => c !== 'red' && c !== 'blue');
    const focus = slots.slice(0, reds + blues).map((slot) => objectBox(slot.cx, slot.cy, slot.r));   // the red and blue objects
    slots.forEach((slot, i) => {
      const c: ColourName = i < reds ? 'red' : i < reds + blues ? 'blue' : rng.pick(others);
      canvas.shape(rng.pick(SHAPES), slot.cx, slot.cy, slot.r, PALETTE[c]);
    });
    const answer = redWins ? 'red' : 'blue';
    return buildExample(rng, {
      task: this.name, canvas, format,
      question: 'are there more red or blue objects?',
      answer,
      answerSpace: ['red', 'blue'],
      rationale: [`i count ${reds} red objects.`, `i count ${blues} blue objects.`, `so there are more ${answer}.`],
      focus,
    });
  },
};

export const caption: TaskGenerator = {
  name: 'caption',
  minImageSize: MIN_IMAGE_SIZE.caption,
  generate(rng, size, format) {
    checkSize(this.name, size, this.minImageSize);
    const o = singleObject(rng, size);
    const answer = `${withArticle(`${o.colour} ${o.shape}`)} at the ${o.quadrant}`;
    return buildExample(rng, {
      task: this.name, canvas: o.canvas, format,
      question: 'describe the image.',
      answer,
      answerSpace: ALL_CAPTIONS,
      rationale: [`the object is ${o.colour}.`, `it is ${withArticle(o.shape)}.`, `it is at the ${o.quadrant}.`],
      focus: [o.box],
    });
  },
};

/**
 * find: "where is the red object?" among 2–4 objects of different colours, one per
 * quadrant. Unlike position, the model has to pick the named object before it reads off
 * where it is: the step that localization and spatial_relation need.
 */
export const find: TaskGenerator = {
  name: 'find',
  minImageSize: MIN_IMAGE_SIZE.find,
  generate(rng, size, format) {
    checkSize(this.name, size, this.minImageSize);
    const count = rng.range(2, 4);
    const quadrants = rng.sample([0, 1, 2, 3], count);
    const colours = rng.sample(OBJECT_COLOURS.slice(), count);
    const half = size / 2;
    const canvas = new Canvas(size);
    const boxes = quadrants.map((q, i) => {
      const r = Math.max(1.5, half * rng.uniform(0.2, 0.35));
      const margin = r + 0.5;
      const cx = (q % 2) * half + rng.uniform(margin, half - margin);
      const cy = Math.floor(q / 2) * half + rng.uniform(margin, half - margin);
      canvas.shape(rng.pick(SHAPES), cx, cy, r, PALETTE[colours[i]]);
      return objectBox(cx, cy, r);
    });
    const target = rng.int(count);   // uniform over the objects, so over the quadrants
    const answer = QUADRANTS[quadrants[target]];
    return buildExample(rng, {
      task: this.name, canvas, format,
      question: `where is the ${colours[target]} object?`,
      answer,
      answerSpace: QUADRANTS,
      rationale: [`i see ${count} objects.`, `i look for the ${colours[target]} one.`, `it is at the ${answer}.`],
      focus: [boxes[target]],
    });
  },
};
