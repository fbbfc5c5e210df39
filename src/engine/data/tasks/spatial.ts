// spatial_relation: "where is the red square relative to the blue circle?" — left/right/above/below.

import { Canvas, cellsFor, gridSlots, OBJECT_COLOURS, PALETTE, SHAPES, Slot, squareGrid } from '../canvas';
import { buildExample, checkSize, objectBox, TaskGenerator } from './common';
import { MIN_IMAGE_SIZE } from '../../../core/taskImageSizes';

const RELATIONS = ['left', 'right', 'above', 'below'] as const;
type Relation = (typeof RELATIONS)[number];

/** The relation of cell a to cell b, when one axis clearly dominates; undefined when ambiguous. */
function relationOf(a: { col: number; row: number }, b: { col: number; row: number }): Relation | undefined {
  const dx = a.col - b.col, dy = a.row - b.row;
  if (Math.abs(dx) > Math.abs(dy)) return dx < 0 ? 'left' : 'right';
  if (Math.abs(dy) > Math.abs(dx)) return dy < 0 ? 'above' : 'below';
  return undefined;
}

export const spatialRelation: TaskGenerator = {
  name: 'spatial_relation',
  minImageSize: MIN_IMAGE_SIZE.spatial_relation,
  generate(rng, size, format) {
    checkSize(this.name, size, this.minImageSize);
    const cells = cellsFor(size, 3, 4);
    const grid = squareGrid(size, cells);
    const relation = rng.pick(RELATIONS);   // chosen first: answers are balanced by construction

    // All cell pairs (a, b) where a stands in `relation` to b; pick one.
    const pairs: [number, number][] = [];
    for (let a = 0; a < cells * cells; a++) {
      for (let b = 0; b < cells * cells; b++) {
        const ca = { col: a % cells, row: Math.floor(a / cells) }, cb = { col: b % cells, row: Math.floor(b / cells) };
        if (a !== b && relationOf(ca, cb) === relation) pairs.push([a, b]);
      }
    }
    const [cellA, cellB] = rng.pick(pairs);
    const [slotA] = gridSlots(rng, 1, grid, [cellA]);
    const [slotB] = gridSlots(rng, 1, grid, [cellB]);
    const [colourA, colourB, ...others] = rng.shuffle(OBJECT_COLOURS.slice());
    const shapeA = rng.pick(SHAPES), shapeB = rng.pick(SHAPES);

    const canvas = new Canvas(size);
    canvas.shape(shapeA, slotA.cx, slotA.cy, slotA.r, PALETTE[colourA]);
    canvas.shape(shapeB, slotB.cx, slotB.cy, slotB.r, PALETTE[colourB]);
    // Distractors in other colours, so "the red square" stays unique.
    const free = [...Array(cells * cells).keys()].filter((c) => c !== cellA && c !== cellB);
    gridSlots(rng, rng.range(0, Math.min(2, free.length)), grid, free).forEach((s: Slot) =>
      canvas.shape(rng.pick(SHAPES), s.cx, s.cy, s.r, PALETTE[rng.pick(others)]));

    const a = `${colourA} ${shapeA}`, b = `${colourB} ${shapeB}`;
    const side: Record<Relation, string> = {
      left: 'further left', right: 'further right', above: 'higher up', below: 'lower down',
    };
    return buildExample(rng, {
      task: this.name,
      canvas,
      question: `where is the ${a} relative to the ${b}?`,
      answer: relation,
      answerSpace: RELATIONS,
      rationale: [`i find the ${a}.`, `i find the ${b}.`, `the ${a} is ${side[relation]}.`, `so it is ${relation}.`],
      format,
      focus: [objectBox(slotA.cx, slotA.cy, slotA.r), objectBox(slotB.cx, slotB.cy, slotB.r)],   // both named objects
    });
  },
};
