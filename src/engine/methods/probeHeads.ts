// Pretraining's auxiliary heads (the vision probe, the patch probe): linear layers that train,
// checkpoint and resume beside the model's weights under their own prefixes, and that a
// shipped base or an export leaves out.
import type { ParamStore } from '../model/params';
import type { TinyVlm } from '../model/tinyVlm';

export const VISION_PROBE_PREFIX = 'sft.vision_probe.';
export const PATCH_PROBE_PREFIX = 'sft.patch_probe.';

/** Adds a probe's freshly created weights to the model's variables, trainable. */
export function addProbeHeads(model: TinyVlm, store: ParamStore): void {
  for (const [name, v] of store.variables) {
    if (model.variables.has(name)) throw new Error(`assertion: weight ${name} already exists`);
    v.trainable = true;
    model.variables.set(name, v);
  }
}

/** The model's own weights: a shipped base or an export leaves every probe head out. */
export function withoutProbeHeads<W>(weights: Map<string, W>): Map<string, W> {
  return new Map([...weights].filter(([name]) => !name.startsWith(VISION_PROBE_PREFIX) && !name.startsWith(PATCH_PROBE_PREFIX)));
}
