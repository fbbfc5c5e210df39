// What the heatmaps show, computed from a decoded capture and the view state:
// per layer, the [A, K] map of each path after head selection and
// normalisation, and the intact − corrupted difference. No DOM; results are
// cached per (example, head) and (example, head, normalisation) so switching
// back and forth costs nothing.

import type { Capture, CaptureExample } from '../../src/core/capture';
import { capturedLayers, headView, type HeadSelection } from '../../src/core/capture/views';
import { differences, scaleMaps, type Normalisation } from './normalize';

export type PathName = 'intact' | 'corrupted';

export interface LayerMaps {
  rows: number;                      // A answer tokens
  cols: number;                      // K latents
  layers: number[];                  // decoder layer index per entry
  raw: { intact: Float32Array[]; corrupted?: Float32Array[] };        // per layer [A, K]
  scaled: { intact: Float32Array[]; corrupted?: Float32Array[] };     // per layer, in [0, 1]
  diff?: Float32Array[];             // scaled intact − scaled corrupted, per layer
  diffMaxAbs: number;
  domain: [number, number];
  unit: string;
}

export class AttentionModel {
  private rawCache = new Map<string, Float32Array[]>();
  private mapsCache = new Map<string, LayerMaps>();

  constructor(readonly capture: Capture) {}

  get examples(): CaptureExample[] { return this.capture.examples; }
  get heads(): number { return this.capture.model.heads; }
  get layerIndices(): number[] { return capturedLayers(this.capture); }

  /** Per-layer [A, K] answer→latent maps of one path for a head selection. */
  rawMaps(example: number, path: PathName, head: HeadSelection): Float32Array[] | undefined {
    const key = `${example}|${path}|${head}`;
    const hit = this.rawCache.get(key);
    if (hit) return hit;
    const arr = this.examples[example].paths[path]?.answerToLatent;
    if (!arr) return undefined;
    const maps = Array.from({ length: arr.shape[0] }, (_, l) => headView(arr, l, head));
    this.rawCache.set(key, maps);
    return maps;
  }

  maps(example: number, head: HeadSelection, norm: Normalisation): LayerMaps {
    const key = `${example}|${head}|${norm}`;
    const hit = this.mapsCache.get(key);
    if (hit) return hit;
    const ex = this.examples[example];
    const intact = this.rawMaps(example, 'intact', head)!;
    const corrupted = this.rawMaps(example, 'corrupted', head);
    const cols = ex.latentCols.length;
    const scaled = scaleMaps(corrupted ? [...intact, ...corrupted] : intact, cols, norm);
    const L = intact.length;
    const sIntact = scaled.maps.slice(0, L);
    const sCorrupted = corrupted ? scaled.maps.slice(L) : undefined;
    const diff = sCorrupted ? differences(sIntact, sCorrupted) : undefined;
    const maps: LayerMaps = {
      rows: ex.answerRows.length, cols, layers: this.layerIndices,
      raw: { intact, corrupted }, scaled: { intact: sIntact, corrupted: sCorrupted },
      diff: diff?.maps, diffMaxAbs: diff?.maxAbs ?? 0, domain: scaled.domain, unit: scaled.unit,
    };
    this.mapsCache.set(key, maps);
    return maps;
  }

  /** [P] attention of one latent (or the mean over latents, latent = -1) over the image patches. */
  latentPatches(example: number, path: PathName, layer: number, head: HeadSelection, latent: number): Float32Array | undefined {
    const arr = this.examples[example].paths[path]?.latentToImage;
    if (!arr) return undefined;
    const [, , K, P] = arr.shape;
    const map = headView(arr, layer, head);   // [K, P]
    if (latent >= 0) return map.slice(latent * P, (latent + 1) * P);
    const out = new Float32Array(P);
    for (let k = 0; k < K; k++) for (let p = 0; p < P; p++) out[p] += map[k * P + p] / K;
    return out;
  }
}
