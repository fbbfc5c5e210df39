// Reading tensors back to the host, the one way the engine does it.
//
// tfjs-webgpu can only read a GPU buffer asynchronously under Node: its dataSync
// goes through OffscreenCanvas, which Node lacks (docs/gpu.md). So every read-back
// in the engine awaits `data()`. On wasm and cpu `data()` resolves with the very
// values dataSync returns (the same backend read, wrapped in a promise), so the
// numbers on those backends do not move.
//
// The pattern: build the tensors to read inside a tf.tidy (which cannot await), let
// the tidy return them, await their data here, then free them.
import { tf } from './backend';

type Host = Float32Array | Int32Array | Uint8Array;

/** Host copies of `tensors`, read one after the other; every tensor is disposed, also when a read throws. */
export async function readAndDispose(tensors: tf.Tensor[]): Promise<Host[]> {
  try {
    const out: Host[] = [];
    for (const t of tensors) out.push(await t.data() as Host);
    return out;
  } finally {
    tf.dispose(tensors);
  }
}

/** The float32 values of one tensor (disposed). */
export async function readFloats(t: tf.Tensor): Promise<Float32Array> {
  return (await readAndDispose([t]))[0] as Float32Array;
}

/** The int32 values of one tensor (e.g. an argMax; disposed). */
export async function readInts(t: tf.Tensor): Promise<Int32Array> {
  return (await readAndDispose([t]))[0] as Int32Array;
}

/**
 * Whether the current backend can read synchronously in the middle of a forward
 * pass (a host-side cache, model/imageTokenCache.ts). webgpu cannot.
 */
export function canReadSync(): boolean {
  return tf.getBackend() !== 'webgpu';
}
