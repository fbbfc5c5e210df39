// Renders one example per task (and one per corruption mode) to PNG under test/e2e/artifacts/,
// for a person to look at; asserts the files decode back to the drawn pixels.

import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { PNG } from 'pngjs';
import { SYNTHETIC_TASKS } from '../../src/core/experiment';
import { CORRUPTION_MODES, corruptImage } from '../../src/engine/data/corruption';
import { Rng } from '../../src/engine/data/rng';
import { TASKS } from '../../src/engine/data/tasks';

const OUT = path.resolve(__dirname, '../../../test/e2e/artifacts');
const ZOOM = 8;

/** [size, size, 3] in [0, 1] → PNG bytes, each pixel a ZOOM×ZOOM block. */
function toPng(image: Float32Array, size: number): Buffer {
  const png = new PNG({ width: size * ZOOM, height: size * ZOOM });
  for (let y = 0; y < size * ZOOM; y++) {
    for (let x = 0; x < size * ZOOM; x++) {
      const i = (Math.floor(y / ZOOM) * size + Math.floor(x / ZOOM)) * 3, o = (y * size * ZOOM + x) * 4;
      for (let c = 0; c < 3; c++) png.data[o + c] = Math.round(image[i + c] * 255);
      png.data[o + 3] = 255;
    }
  }
  return PNG.sync.write(png);
}

function writeAndCheck(file: string, image: Float32Array, size: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, toPng(image, size));
  const back = PNG.sync.read(fs.readFileSync(file));
  assert.strictEqual(back.width, size * ZOOM);
  const centre = (Math.floor(size / 2) * size + Math.floor(size / 2)) * 3;
  const o = ((Math.floor(size / 2) * ZOOM) * size * ZOOM + Math.floor(size / 2) * ZOOM) * 4;
  assert.strictEqual(back.data[o], Math.round(image[centre] * 255));
}

describe('data: rendered previews (test/e2e/artifacts)', () => {
  it('writes one PNG per task with its question and answer', () => {
    const index: string[] = [];
    for (const task of SYNTHETIC_TASKS) {
      const size = 32;
      const ex = TASKS[task].generate(Rng.fromSeed(1, 'preview', task), size, 'multiple_choice');
      writeAndCheck(path.join(OUT, 'tasks', `${task}.png`), ex.image, size);
      index.push(`${task}.png\tQ: ${ex.question}\tchoices: ${ex.choices?.join(' | ')}\tA: ${ex.answer}\trationale: ${ex.rationale.join(' ')}`);
    }
    fs.writeFileSync(path.join(OUT, 'tasks', 'index.tsv'), index.join('\n') + '\n');
  });

  it('writes one PNG per corruption mode at intensity 0.5', () => {
    const size = 32;
    const ex = TASKS.counting.generate(Rng.fromSeed(2, 'preview'), size, 'open');
    writeAndCheck(path.join(OUT, 'corruption', 'intact.png'), ex.image, size);
    for (const mode of CORRUPTION_MODES) {
      writeAndCheck(path.join(OUT, 'corruption', `${mode}.png`), corruptImage(ex.image, size, mode, 0.5, Rng.fromSeed(3, mode)), size);
    }
  });
});
