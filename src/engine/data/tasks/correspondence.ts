// correspondence: the left half shows three objects, one marked with a white point; the right
// half shows the same three objects rearranged, each with a white point. "which point on the
// right matches the marked point?" Right-hand points are numbered top to bottom (one per row),
// so the answer depends on finding the same object again, not on where the mark was.

import { Canvas, ColourName, gridSlots, OBJECT_COLOURS, PALETTE, ShapeName, SHAPES, Slot } from '../canvas';
import { buildExample, checkSize, NUMBER_WORDS, TaskGenerator } from './common';
import { MIN_IMAGE_SIZE } from '../../../core/taskImageSizes';

const OBJECTS = 3;
const RIGHT_BACKGROUND = [0.12, 0.12, 0.17] as const;   // tells the halves apart without a divider

function mark(canvas: Canvas, slot: Slot): void {
  const d = slot.r >= 3 ? 2 : 1;
  canvas.rect(Math.round(slot.cx - d / 2), Math.round(slot.cy - d / 2), d, d, PALETTE.white);
}

export const correspondence: TaskGenerator = {
  name: 'correspondence',
  minImageSize: MIN_IMAGE_SIZE.correspondence,
  generate(rng, size, format) {
    checkSize(this.name, size, this.minImageSize);
    const half = Math.floor(size / 2);
    const cell = half / 2;                          // two columns per half
    const rows = Math.max(OBJECTS, Math.floor(size / cell));
    const colours = rng.sample(OBJECT_COLOURS, OBJECTS);   // distinct colours: every object unique
    const shapes: ShapeName[] = colours.map(() => rng.pick(SHAPES));
    const marked = rng.int(OBJECTS);

    const canvas = new Canvas(size);
    canvas.rect(half, 0, size - half, size, RIGHT_BACKGROUND);
    const grid = { cols: 2, rows, cell };
    const left = gridSlots(rng, OBJECTS, grid);
    // Right half: one object per row, in distinct rows, so "top to bottom" numbering is unambiguous.
    const rowsUsed = rng.sample([...Array(rows).keys()], OBJECTS);
    const right: Slot[] = [];
    rowsUsed.forEach((row) => right.push(gridSlots(rng, 1, { ...grid, x0: size - 2 * cell }, [row * 2 + rng.int(2)])[0]));

    colours.forEach((colour: ColourName, i) => {
      canvas.shape(shapes[i], left[i].cx, left[i].cy, left[i].r, PALETTE[colour]);
      canvas.shape(shapes[i], right[i].cx, right[i].cy, right[i].r, PALETTE[colour]);
      mark(canvas, right[i]);
    });
    mark(canvas, left[marked]);

    const number = 1 + rowsUsed.filter((row) => row < rowsUsed[marked]).length;   // rank top to bottom
    const name = `${colours[marked]} ${shapes[marked]}`;
    const answer = NUMBER_WORDS[number];
    return buildExample(rng, {
      task: this.name,
      canvas,
      question: 'which point on the right matches the marked point on the left?',
      answer,
      answerSpace: NUMBER_WORDS.slice(1, OBJECTS + 1),
      rationale: [`the marked point is on the ${name}.`, `on the right, the ${name} has point ${answer} from the top.`, `so it is ${answer}.`],
      format,
    });
  },
};
