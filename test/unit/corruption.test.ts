// Stochastic Image Corruption: each mode does what it says, deterministically.

import * as assert from 'assert';
import { CorruptionMode } from '../../src/core/experiment';
import { CORRUPTION_MODES, corruptImage, MASK_VALUE, sampleCorruption } from '../../src/engine/data/corruption';
import { Rng } from '../../src/engine/data/rng';
import { TASKS } from '../../src/engine/data/tasks';

const SIZE = 32;

/** Uniform random pixels in [lo, hi): no structure, no value repeated by chance. */
function randomImage(seed: number, lo = 0, hi = 1): Float32Array {
  const r = Rng.fromSeed(seed, 'image');
  return Float32Array.from({ length: SIZE * SIZE * 3 }, () => r.uniform(lo, hi));
}

/** A drawn scene: the realistic input. */
function scene(seed: number): Float32Array {
  return TASKS.counting.generate(Rng.fromSeed(seed, 'scene'), SIZE, 'open').image;
}

/** High-frequency energy: sum of squared differences between horizontal and vertical neighbours. */
function highFrequency(img: Float32Array): number {
  let e = 0;
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      for (let c = 0; c < 3; c++) {
        const v = img[(y * SIZE + x) * 3 + c];
        if (x + 1 < SIZE) e += (v - img[(y * SIZE + x + 1) * 3 + c]) ** 2;
        if (y + 1 < SIZE) e += (v - img[((y + 1) * SIZE + x) * 3 + c]) ** 2;
      }
    }
  }
  return e;
}

const mean = (a: ArrayLike<number>): number => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i]; return s / a.length; };
const variance = (a: number[]): number => { const m = mean(a); return mean(a.map((v) => (v - m) ** 2)); };
const bytes = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('corruption (CrystaL SIC)', () => {
  for (const mode of CORRUPTION_MODES) {
    it(`${mode}: intensity 0 leaves the image unchanged; the input is never modified`, () => {
      const img = scene(1);
      const before = img.slice();
      assert.ok(bytes(corruptImage(img, SIZE, mode, 0, Rng.fromSeed(1))).equals(bytes(img)));
      const out = corruptImage(img, SIZE, mode, 0.7, Rng.fromSeed(1));
      assert.ok(bytes(img).equals(bytes(before)), 'input modified');
      assert.ok(!bytes(out).equals(bytes(img)), 'intensity 0.7 changed nothing');
      assert.ok(out.every((v) => v >= 0 && v <= 1), 'values leave [0, 1]');
    });

    it(`${mode}: deterministic from the rng`, () => {
      const img = scene(2);
      const a = corruptImage(img, SIZE, mode, 0.6, Rng.fromSeed(5, 'c'));
      const b = corruptImage(img, SIZE, mode, 0.6, Rng.fromSeed(5, 'c'));
      assert.ok(bytes(a).equals(bytes(b)));
    });
  }

  it('blur lowers high-frequency energy, more with intensity', () => {
    const img = scene(3);
    const e = [0, 0.3, 0.6, 1].map((t) => highFrequency(corruptImage(img, SIZE, 'blur', t, Rng.fromSeed(1))));
    for (let i = 1; i < e.length; i++) assert.ok(e[i] < e[i - 1], `energy ${e.map((v) => v.toFixed(1))} not decreasing`);
    assert.ok(e[3] < e[0] * 0.2, `full blur keeps ${(e[3] / e[0]).toFixed(2)} of the energy`);
    // A blur averages: the mean colour barely moves.
    assert.ok(Math.abs(mean(corruptImage(img, SIZE, 'blur', 1, Rng.fromSeed(1))) - mean(img)) < 0.01);
  });

  it('jigsaw keeps the pixel histogram exactly and moves whole tiles', () => {
    const img = randomImage(4);
    for (const t of [0.2, 0.5, 0.9]) {
      const out = corruptImage(img, SIZE, 'jigsaw', t, Rng.fromSeed(7, String(t)));
      const pixels = (a: Float32Array): string[] => Array.from({ length: SIZE * SIZE }, (_, p) => `${a[p * 3]},${a[p * 3 + 1]},${a[p * 3 + 2]}`).sort();
      assert.deepStrictEqual(pixels(out), pixels(img), `intensity ${t}: pixel multiset changed`);
      assert.ok(!bytes(out).equals(bytes(img)));
    }
    // More intensity → more pixels away from home.
    const displaced = (t: number): number => { const o = corruptImage(img, SIZE, 'jigsaw', t, Rng.fromSeed(8)); return o.filter((v, i) => v !== img[i]).length; };
    assert.ok(displaced(1) > displaced(0.1));
  });

  it('mask blanks the stated fraction of patches, for several patch sizes', () => {
    const img = randomImage(5);
    for (const [patch, t] of [[4, 0.25], [4, 0.5], [8, 0.75], [2, 0.1]] as const) {
      const out = corruptImage(img, SIZE, 'mask', t, Rng.fromSeed(9), patch);
      const grid = SIZE / patch;
      let blank = 0, untouched = 0;
      for (let p = 0; p < grid * grid; p++) {
        const px = (p % grid) * patch, py = Math.floor(p / grid) * patch;
        let allMask = true, same = true;
        for (let y = py; y < py + patch; y++) {
          for (let i = (y * SIZE + px) * 3; i < (y * SIZE + px + patch) * 3; i++) {
            if (out[i] !== MASK_VALUE) allMask = false;
            if (out[i] !== img[i]) same = false;
          }
        }
        if (allMask) blank++;
        if (same) untouched++;
      }
      assert.strictEqual(blank, Math.round(t * grid * grid), `patch ${patch}, intensity ${t}`);
      assert.strictEqual(blank + untouched, grid * grid, 'a patch was partly changed');
    }
    assert.throws(() => corruptImage(img, SIZE, 'mask', 0.5, Rng.fromSeed(1), 5), /patch size 5 does not divide image size 32/);
  });

  it('gaussian noise changes the mean little and its variance grows with intensity', () => {
    const img = randomImage(6, 0.3, 0.7);   // mid-range: clipping at 0 and 1 stays rare
    const noiseVar = [0.2, 0.5, 1].map((t) => {
      const out = corruptImage(img, SIZE, 'noise', t, Rng.fromSeed(10));
      assert.ok(Math.abs(mean(out) - mean(img)) < 0.01, `intensity ${t} moved the mean by ${mean(out) - mean(img)}`);
      return variance(Array.from(out, (v, i) => v - img[i]));
    });
    assert.ok(noiseVar[0] < noiseVar[1] && noiseVar[1] < noiseVar[2], `noise variance ${noiseVar}`);
  });

  it('impulse noise sets about half-intensity of the pixels to black or white', () => {
    const img = randomImage(7, 0.2, 0.8);
    for (const t of [0.2, 0.6]) {
      const out = corruptImage(img, SIZE, 'impulse', t, Rng.fromSeed(11));
      let salt = 0, pepper = 0;
      for (let p = 0; p < SIZE * SIZE; p++) {
        const v = [out[p * 3], out[p * 3 + 1], out[p * 3 + 2]];
        if (v.every((x) => x === 1)) salt++;
        else if (v.every((x) => x === 0)) pepper++;
        else assert.deepStrictEqual(v, [img[p * 3], img[p * 3 + 1], img[p * 3 + 2]]);
      }
      const fraction = (salt + pepper) / (SIZE * SIZE);
      assert.ok(Math.abs(fraction - 0.5 * t) < 0.05, `intensity ${t}: ${fraction} of pixels hit`);
      assert.ok(salt > 0 && pepper > 0);
    }
  });

  it('colour distortion is a per-pixel map: equal pixels stay equal, the layout is kept', () => {
    const img = scene(8);
    const out = corruptImage(img, SIZE, 'color', 1, Rng.fromSeed(12));
    const map = new Map<string, string>();
    for (let p = 0; p < SIZE * SIZE; p++) {
      const a = `${img[p * 3]},${img[p * 3 + 1]},${img[p * 3 + 2]}`, b = `${out[p * 3]},${out[p * 3 + 1]},${out[p * 3 + 2]}`;
      if (map.has(a)) assert.strictEqual(map.get(a), b);
      map.set(a, b);
    }
    // Small intensity → small change.
    const diff = (t: number): number => mean(corruptImage(img, SIZE, 'color', t, Rng.fromSeed(12)).map((v, i) => Math.abs(v - img[i])));
    assert.ok(diff(0.05) < diff(1));
  });

  it('sampleCorruption: a single mode is fixed, several are all sampled, intensity within range', () => {
    const r = Rng.fromSeed(13);
    for (let i = 0; i < 20; i++) assert.strictEqual(sampleCorruption({ modes: ['blur'], intensity: [0.2, 0.4] }, r).mode, 'blur');
    const seen = new Set<CorruptionMode>();
    for (let i = 0; i < 300; i++) {
      const s = sampleCorruption({ modes: [...CORRUPTION_MODES], intensity: [0.25, 0.75] }, r);
      seen.add(s.mode);
      assert.ok(s.intensity >= 0.25 && s.intensity <= 0.75);
    }
    assert.strictEqual(seen.size, CORRUPTION_MODES.length);
    const a = sampleCorruption({ modes: ['mask', 'noise'], intensity: [0, 1] }, Rng.fromSeed(2));
    assert.deepStrictEqual(sampleCorruption({ modes: ['mask', 'noise'], intensity: [0, 1] }, Rng.fromSeed(2)), a);
    assert.throws(() => sampleCorruption({ modes: ['blur'], intensity: [0.8, 0.2] }, r), /method.crystal.corruption.intensity/);
    assert.throws(() => sampleCorruption({ modes: [], intensity: [0, 1] }, r), /method.crystal.corruption.modes/);
  });
});
