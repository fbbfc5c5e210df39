// Image tokens of a frozen vision path, computed once per distinct image.
//
// Under LoRA (and full fine-tuning with freeze_vision and freeze_projector) the
// vision encoder and projector never train, so the image tokens of an image are
// the same every step and every evaluation. This cache keeps them on the host,
// keyed by the image's patch values (compared byte for byte on a hit, not just hashed),
// and recomputes only the rows of a batch it has not seen.
//
// It is exact by construction and invalidated whenever it could be stale:
//   - any vision.* / projector.* variable marked trainable: no cache at all
//     (gradients must flow through the encoder);
//   - any of those variables assigned a new value (checkpoint load, init_from, a
//     step that trained them): tf.Variable.assign swaps the variable's dataId, so
//     the cache compares the dataIds it saw with the current ones and clears.
// Host arrays, not tensors: tf.memory().numTensors stays flat across steps.
//
// Not used on webgpu (usable() is false there): the cache exists to spare the CPU a
// recomputation, a GPU recomputes a frozen encoder for little, and the cache reads
// the patches back synchronously in the middle of a forward pass, which tfjs-webgpu
// cannot do under Node (readback.ts). The same numbers either way.
import { tf } from '../backend';
import { canReadSync } from '../readback';

interface Entry { patches: Float32Array; tokens: Float32Array }

/** FNV-1a over every 8th float of one image's patches: a bucket key only (a hit compares every byte). */
function hashRow(bits: Uint32Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bits.length; i += 8) h = Math.imul(h ^ bits[i], 0x01000193) >>> 0;
  return h;
}

/** The same bytes (memcmp): identical patches give identical tokens; −0 vs 0 or NaN payloads just miss. */
function sameValues(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && Buffer.compare(
    Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

export class ImageTokenCache {
  private readonly entries = new Map<number, Entry[]>(); // hash → images with that hash (insertion order = age)
  private bytes = 0;
  private seenDataIds: object[] = [];
  hits = 0;
  misses = 0;

  /** frozen: the variables the image tokens depend on (vision.*, projector.*). */
  constructor(private readonly frozen: tf.Variable[], private readonly maxBytes = 256 * 2 ** 20) {}

  /** Whether the cache may be used now: every weight it depends on is frozen, on a backend that reads synchronously. */
  usable(): boolean {
    return canReadSync() && this.frozen.every((v) => !v.trainable);
  }

  /**
   * patches [B, P, pd] → image tokens [B, P, d]. `compute` runs the vision path on the
   * rows not cached (a [m, P, pd] tensor); its result is read back and stored.
   */
  imageTokens(patches: tf.Tensor3D, compute: (patches: tf.Tensor3D) => tf.Tensor): tf.Tensor3D {
    this.checkWeights();
    const [B, P, pd] = patches.shape;
    const host = patches.dataSync() as Float32Array;          // [B·P·pd]
    const rowLen = P * pd;
    const rows: Array<{ hash: number; patches: Float32Array; entry?: Entry }> = [];
    const missing: number[] = [];
    for (let b = 0; b < B; b++) {
      const row = host.subarray(b * rowLen, (b + 1) * rowLen);
      const hash = hashRow(new Uint32Array(row.buffer, row.byteOffset, rowLen));
      const entry = this.entries.get(hash)?.find((e) => sameValues(e.patches, row));
      rows.push({ hash, patches: row, entry });
      if (!entry) missing.push(b);
    }
    this.hits += B - missing.length;
    this.misses += missing.length;
    if (missing.length > 0) this.computeMissing(rows, missing, P, pd, compute);
    const d = rows[0].entry!.tokens.length / P;
    const out = new Float32Array(B * P * d);                   // [B, P, d]
    rows.forEach((r, b) => out.set(r.entry!.tokens, b * P * d));
    return tf.tensor3d(out, [B, P, d]);
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  private computeMissing(rows: Array<{ hash: number; patches: Float32Array; entry?: Entry }>, missing: number[], P: number, pd: number,
    compute: (patches: tf.Tensor3D) => tf.Tensor): void {
    const input = new Float32Array(missing.length * P * pd);   // [m, P, pd]
    missing.forEach((b, i) => input.set(rows[b].patches, i * P * pd));
    // The tidy returns the tensor, not its values: tidy walks whatever it returns looking for
    // tensors, element by element for a typed array (0.6 s for one batch of 32 images).
    const out = tf.tidy(() => compute(tf.tensor3d(input, [missing.length, P, pd])));
    const tokens = out.dataSync() as Float32Array;             // [m·P·d]
    out.dispose();
    const perRow = tokens.length / missing.length;
    missing.forEach((b, i) => {
      const entry = { patches: Float32Array.from(rows[b].patches), tokens: tokens.slice(i * perRow, (i + 1) * perRow) };
      rows[b].entry = entry;
      this.insert(rows[b].hash, entry);
    });
  }

  /** Adds an entry, evicting the oldest ones beyond maxBytes. */
  private insert(hash: number, entry: Entry): void {
    const list = this.entries.get(hash) ?? [];
    list.push(entry);
    this.entries.set(hash, list);
    this.bytes += 4 * (entry.patches.length + entry.tokens.length);
    for (const [oldHash, oldList] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      const old = oldList.shift()!;
      this.bytes -= 4 * (old.patches.length + old.tokens.length);
      if (oldList.length === 0) this.entries.delete(oldHash);
    }
  }

  /** Clears the cache when any weight it depends on holds new values since the last call. */
  private checkWeights(): void {
    const ids = this.frozen.map((v) => v.dataId);
    if (ids.length !== this.seenDataIds.length || ids.some((id, i) => id !== this.seenDataIds[i])) {
      this.clear();
      this.seenDataIds = ids;
    }
  }
}
