// What a failed step's error means when the backend's memory ran out. tfjs-wasm's heap
// is at most 4 GB; past it emscripten aborts with "Aborted()" or a failed grow shows as
// "memory access out of bounds", neither of which says what to change.
const WASM_OUT_OF_MEMORY = /^Aborted\(|memory access out of bounds|Cannot enlarge memory|WebAssembly\.Memory|out of memory/i;

/** `message` with advice appended when it looks like the backend ran out of memory; else `message`. */
export function explainMemoryFailure(message: string): string {
  if (!WASM_OUT_OF_MEMORY.test(message)) return message;
  return `${message}: the backend most likely ran out of memory (tfjs-wasm's heap is at most 4 GB). ` +
    'Lower `train.batch_size` (or `data.max_text_tokens`); a VaLR run with `latents.feedback: hidden_state` keeps ' +
    'K·steps + 1 forward passes per step on the tape (docs/valr.md). The logs and the last checkpoint are kept';
}
