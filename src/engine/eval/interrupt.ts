// A stop request (Ctrl-C, SIGTERM, the editor's Stop) during an evaluation. An
// evaluation is many forward passes; between two batches it lets the event loop
// run (so a signal or an IPC message can set the request) and then honours it,
// so a long evaluation (VaLR's generation takes minutes) no longer delays a stop.

/** Thrown by an evaluation that a stop request ended between batches; nothing of it was written. */
export class EvalInterrupted extends Error {
  constructor() { super('evaluation interrupted by a stop request'); }
}

/** Call between evaluation batches. Without `shouldStop` it does nothing (the evaluation cannot be stopped). */
export async function betweenBatches(shouldStop?: () => boolean): Promise<void> {
  if (!shouldStop) return;
  await new Promise<void>((resolve) => setImmediate(resolve));
  if (shouldStop()) throw new EvalInterrupted();
}
