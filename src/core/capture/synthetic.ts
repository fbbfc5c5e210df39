// Deterministic synthetic captures: plausible attention (softmax rows), images
// with shapes in them, a corrupted path. Used by tests, benchmarks and for
// trying the viewer without training anything.

import type { CaptureExample, CaptureInput, Float32Tensor, Uint8Tensor } from '../capture';

export interface SyntheticCaptureOptions {
  layers?: number;          // L
  heads?: number;           // h
  answers?: number;         // A answer tokens
  latents?: number;         // K latent tokens
  patchGrid?: [number, number];
  imageSize?: number;       // H = W
  examples?: number;
  step?: number;
  corrupted?: boolean;      // add the corrupted path and image (CrystaL)
  seed?: number;
}

/** mulberry32: small, fast, deterministic. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** [L, h, R, C] with each row a softmax of random logits (sharpened so maps have structure). */
function attention(L: number, h: number, R: number, C: number, rand: () => number, jitter = 0): Float32Tensor {
  const data = new Float32Array(L * h * R * C);
  for (let base = 0; base < data.length; base += C) {
    let sum = 0;
    for (let c = 0; c < C; c++) {
      const v = Math.exp(3 * rand() + jitter * (rand() - 0.5));
      data[base + c] = v;
      sum += v;
    }
    for (let c = 0; c < C; c++) data[base + c] /= sum;
  }
  return { dtype: 'float32', shape: [L, h, R, C], data };
}

function image(size: number, rand: () => number, noisy: boolean): Uint8Tensor {
  const data = new Uint8Array(size * size * 3);
  const cx = size * (0.3 + 0.4 * rand());
  const cy = size * (0.3 + 0.4 * rand());
  const r = size * 0.2;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const p = (y * size + x) * 3;
      const inside = (x - cx) ** 2 + (y - cy) ** 2 < r * r;
      const square = x > size * 0.65 && y > size * 0.65;
      const n = noisy ? (rand() - 0.5) * 160 : 0;
      data[p] = Math.max(0, Math.min(255, (inside ? 220 : square ? 40 : 235) + n));
      data[p + 1] = Math.max(0, Math.min(255, (inside ? 60 : square ? 120 : 235) + n));
      data[p + 2] = Math.max(0, Math.min(255, (inside ? 50 : square ? 220 : 230) + n));
    }
  }
  return { dtype: 'uint8', shape: [size, size, 3], data };
}

export function syntheticExample(i: number, o: Required<SyntheticCaptureOptions>, rand: () => number): CaptureExample {
  const [gh, gw] = o.patchGrid;
  const P = gh * gw;
  const prompt = ['what', 'colour', 'is', 'the', 'circle', '?'];
  const answer = Array.from({ length: o.answers }, (_, j) => (j === o.answers - 1 ? '<eos>' : ['red', 'blue', 'green', 'left', 'of', 'the', 'square'][j % 7]));
  const tokens = ['<bos>', ...Array.from({ length: P }, (_, j) => `<img${j}>`), ...prompt, ...Array.from({ length: o.latents }, () => '<lat>'), ...answer];
  const segments = [0, ...Array(P).fill(1), ...Array(prompt.length).fill(0), ...Array(o.latents).fill(2), ...Array(o.answers).fill(3)];
  const latentStart = 1 + P + prompt.length;
  const answerStart = latentStart + o.latents;
  const correct = i % 3 !== 2;
  const ex: CaptureExample = {
    id: `val-${i}`,
    task: ['color', 'count', 'position'][i % 3],
    question: prompt.join(' '),
    answer: answer.slice(0, -1).join(' '),
    prediction: correct ? answer.slice(0, -1).join(' ') : 'blue',
    correct,
    tokens,
    segments,
    answerRows: Array.from({ length: o.answers }, (_, j) => answerStart + j),
    latentCols: Array.from({ length: o.latents }, (_, j) => latentStart + j),
    imagePatchCols: Array.from({ length: P }, (_, j) => 1 + j),
    image: image(o.imageSize, rand, false),
    paths: {
      intact: {
        answerToLatent: attention(o.layers, o.heads, o.answers, o.latents, rand),
        latentToImage: attention(o.layers, o.heads, o.latents, P, rand),
        losses: { ce: 0.5 + rand() },
      },
    },
  };
  if (o.corrupted) {
    ex.corruptedImage = image(o.imageSize, rand, true);
    ex.corruption = { mode: 'noise', intensity: 0.5 };
    ex.paths.corrupted = {
      answerToLatent: attention(o.layers, o.heads, o.answers, o.latents, rand, 1),
      latentToImage: attention(o.layers, o.heads, o.latents, P, rand, 1),
      losses: { ce: 0.8 + rand() },
    };
  }
  return ex;
}

export function syntheticCapture(options: SyntheticCaptureOptions = {}): CaptureInput {
  const o: Required<SyntheticCaptureOptions> = {
    layers: 4, heads: 4, answers: 6, latents: 8, patchGrid: [4, 4], imageSize: 32,
    examples: 3, step: 100, corrupted: true, seed: 1, ...options,
  };
  const rand = rng(o.seed);
  return {
    step: o.step,
    run: { name: 'synthetic', method: o.corrupted ? 'crystal' : 'livr', created: '2025-01-01T00:00:00.000Z' },
    model: { layers: o.layers, heads: o.heads, patchGrid: o.patchGrid },
    examples: Array.from({ length: o.examples }, (_, i) => syntheticExample(i, o, rand)),
  };
}
