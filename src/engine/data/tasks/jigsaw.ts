// jigsaw: a scene cut into 2×2 tiles and shuffled; "which arrangement restores it?".
// The scene has a position-coded background gradient (red grows downwards, green rightwards) and
// one large centred shape, so each tile's true place is visible in the tile itself.
// Tiles are numbered 1–4 in reading order as shown; the answer lists, for each true position in
// reading order, the number of the shown tile that belongs there, e.g. "3 1 4 2".

import { Canvas, OBJECT_COLOURS, PALETTE, SHAPES } from '../canvas';
import { buildExample, checkSize, NUMBER_WORDS, TaskGenerator } from './common';
import { MIN_IMAGE_SIZE } from '../../../core/taskImageSizes';

const POSITIONS = ['top left', 'top right', 'bottom left', 'bottom right'];

function permutations(items: number[]): number[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((x, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((p) => [x, ...p]));
}
// Every arrangement except the identity (an unshuffled image would need no restoring).
const ARRANGEMENTS = permutations([0, 1, 2, 3]).filter((p) => p.some((x, i) => x !== i));
const spell = (order: number[]): string => order.map((t) => NUMBER_WORDS[t + 1]).join(' ');
const ANSWER_SPACE = ARRANGEMENTS.map(spell);

export const jigsaw: TaskGenerator = {
  name: 'jigsaw',
  minImageSize: MIN_IMAGE_SIZE.jigsaw,
  generate(rng, size, format) {
    checkSize(this.name, size, this.minImageSize);
    const scene = new Canvas(size);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        scene.setPixel(x, y, [0.1 + 0.6 * (y / size), 0.1 + 0.6 * (x / size), 0.35]);
      }
    }
    const colour = rng.pick(OBJECT_COLOURS);
    scene.shape(rng.pick(SHAPES), size / 2 + rng.uniform(-1, 1), size / 2 + rng.uniform(-1, 1), size * rng.uniform(0.25, 0.35), PALETTE[colour]);

    // shown[p] = the true position of the tile shown at position p.
    const shown = rng.pick(ARRANGEMENTS);
    const tile = Math.floor(size / 2);
    const canvas = new Canvas(size);
    canvas.data.set(scene.data);   // keeps the odd last row/column (if any) in place
    shown.forEach((from, to) => canvas.blit(scene, (from % 2) * tile, Math.floor(from / 2) * tile, tile, (to % 2) * tile, Math.floor(to / 2) * tile));

    // order[q] = the shown tile that belongs at true position q.
    const order = [0, 1, 2, 3].map((q) => shown.indexOf(q));
    const answer = spell(order);
    return buildExample(rng, {
      task: this.name,
      canvas,
      question: 'the tiles are shuffled. which order of tiles restores the image?',
      answer,
      answerSpace: ANSWER_SPACE,
      rationale: [
        'i compare the colours and edges of the tiles.',
        `tile ${NUMBER_WORDS[order[0] + 1]} belongs at the ${POSITIONS[0]}.`,
        `tile ${NUMBER_WORDS[order[3] + 1]} belongs at the ${POSITIONS[3]}.`,
        `so the order is ${answer}.`,
      ],
      format,
    });
  },
};
