// The example's images, with a latent token's attention over the image patches
// drawn on top (LIVR Figure 3): one translucent viridis cell per patch.

import type { Uint8Tensor } from '../../src/core/capture';
import { imageRGBA } from '../../src/core/capture/views';
import { paintSequential } from './colormap';
import { maxOf } from './normalize';

export const OVERLAY_ALPHA = 125;   // of 255: the image stays readable under the heat

/** Draws `image` scaled to the canvas, then `patches` ([gh * gw], row-major) over it, scaled by their max. */
export function drawImageWithOverlay(canvas: HTMLCanvasElement, image: Uint8Tensor, patches: Float32Array | undefined, grid: [number, number]): void {
  const [H, W] = image.shape;
  const src = document.createElement('canvas');
  src.width = W;
  src.height = H;
  const sctx = src.getContext('2d')!;
  const pixels = sctx.createImageData(W, H);
  pixels.data.set(imageRGBA(image));
  sctx.putImageData(pixels, 0, 0);
  const ctx = canvas.getContext('2d')!;
  ctx.imageSmoothingEnabled = false;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(src, 0, 0, canvas.width, canvas.height);
  if (!patches) return;
  const [gh, gw] = grid;
  const m = maxOf(patches);
  const scaled = Float32Array.from(patches, (v) => (m > 0 ? v / m : 0));
  const heat = document.createElement('canvas');
  heat.width = gw;
  heat.height = gh;
  const img = new ImageData(gw, gh);
  paintSequential(scaled, img.data, OVERLAY_ALPHA);
  heat.getContext('2d')!.putImageData(img, 0, 0);
  ctx.drawImage(heat, 0, 0, canvas.width, canvas.height);
}
