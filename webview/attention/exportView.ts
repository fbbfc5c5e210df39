// Export of the current view: the numbers as CSV (pure, tested in Node) and the
// heatmaps as one PNG composed from the layer canvases.

import type { LayerMaps } from './model';

export interface CsvContext {
  step: number;
  example: string;
  head: string;
  normalisation: string;
  answerLabels: string[];
  latentLabels: string[];
  layers: number[];          // positions along L to export
}

const quote = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** One line per (layer, path, answer token, latent): the raw attention and the value the colour shows. */
export function viewCsv(maps: LayerMaps, ctx: CsvContext): string {
  const lines = ['step,example,layer,head,normalisation,path,answer_index,answer_token,latent_index,latent_token,value,shown'];
  const paths: [string, Float32Array[] | undefined, Float32Array[] | undefined][] = [
    ['intact', maps.raw.intact, maps.scaled.intact],
    ['corrupted', maps.raw.corrupted, maps.scaled.corrupted],
    ['difference', maps.raw.corrupted && maps.raw.intact.map((m, l) => m.map((v, j) => v - maps.raw.corrupted![l][j])), maps.diff],
  ];
  for (const l of ctx.layers) {
    for (const [name, raw, shown] of paths) {
      if (!raw || !shown) continue;
      for (let r = 0; r < maps.rows; r++) {
        for (let c = 0; c < maps.cols; c++) {
          const j = r * maps.cols + c;
          lines.push([ctx.step, quote(ctx.example), maps.layers[l], ctx.head, ctx.normalisation, name, r,
            quote(ctx.answerLabels[r]), c, quote(ctx.latentLabels[c]), raw[l][j], shown[l][j]].join(','));
        }
      }
    }
  }
  return lines.join('\n') + '\n';
}

/** Stacks canvases vertically on the theme background; returns a PNG data URL. */
export function composePng(canvases: HTMLCanvasElement[], background: string): string {
  const out = document.createElement('canvas');
  out.width = Math.max(1, ...canvases.map((c) => c.width));
  out.height = Math.max(1, canvases.reduce((s, c) => s + c.height + 8, 0));
  const ctx = out.getContext('2d')!;
  ctx.fillStyle = background;
  ctx.fillRect(0, 0, out.width, out.height);
  let y = 0;
  for (const c of canvases) {
    ctx.drawImage(c, 0, y);
    y += c.height + 8;
  }
  return out.toDataURL('image/png');
}
