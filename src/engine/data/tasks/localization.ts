// localization: numbered boxes, each holding one object; "which box holds the red circle?".
// Boxes are numbered in reading order (top to bottom, left to right) and the number is drawn
// in each box's corner, so the answer can be read off the image.

import { Canvas, ColourName, GLYPH_WIDTH, OBJECT_COLOURS, PALETTE, ShapeName, SHAPES } from '../canvas';
import type { FocusBox } from '../example';
import { buildExample, checkSize, NUMBER_WORDS, quadrantOf, TaskGenerator } from './common';
import { MIN_IMAGE_SIZE } from '../../../core/taskImageSizes';

export const localization: TaskGenerator = {
  name: 'localization',
  minImageSize: MIN_IMAGE_SIZE.localization,
  generate(rng, size, format) {
    checkSize(this.name, size, this.minImageSize);
    const cells = size >= 48 ? 3 : 2;
    const cell = Math.floor(size / cells);
    const boxCount = rng.range(3, Math.min(6, cells * cells));
    const boxCells = rng.sample([...Array(cells * cells).keys()], boxCount).sort((a, b) => a - b);

    // Distinct (colour, shape) contents, so "the red circle" names exactly one box.
    const combos: [ColourName, ShapeName][] = [];
    for (const c of OBJECT_COLOURS) for (const s of SHAPES) combos.push([c, s]);
    const contents = rng.sample(combos, boxCount);
    const target = rng.int(boxCount);   // uniform over boxes: balanced answers

    const canvas = new Canvas(size);
    const scale = Math.max(1, Math.floor(cell / 16));
    const boxes = boxCells.map((index, i): FocusBox => {
      const x = (index % cells) * cell + 1, y = Math.floor(index / cells) * cell + 1;
      const w = cell - 2;
      canvas.rectOutline(x, y, w, w, PALETTE.gray);
      canvas.glyph(NUMBER_WORDS[i + 1], x + 2, y + 2, PALETTE.white, scale);
      // The object sits right of the number, so they never overlap.
      const left = x + 2 + GLYPH_WIDTH * scale + 1;
      const r = Math.max(1.5, Math.min((x + w - 1 - left) / 2, w * 0.3));
      const [colour, shape] = contents[i];
      canvas.shape(shape, (left + x + w - 1) / 2, y + w / 2 + 1, r, PALETTE[colour]);
      return [x, y, x + w, y + w];   // the whole box: the number is read off it too
    });

    const [colour, shape] = contents[target];
    const index = boxCells[target];
    const cx = (index % cells + 0.5) * cell, cy = (Math.floor(index / cells) + 0.5) * cell;
    const answer = NUMBER_WORDS[target + 1];
    return buildExample(rng, {
      task: this.name,
      canvas,
      question: `which box holds the ${colour} ${shape}?`,
      answer,
      answerSpace: NUMBER_WORDS.slice(1, boxCount + 1),
      rationale: [`i look for the ${colour} ${shape}.`, `it is at the ${quadrantOf(cx, cy, size)}.`, `that box is number ${answer}.`],
      format,
      focus: [boxes[target]],
    });
  },
};
