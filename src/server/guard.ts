// Every request and notification handler runs through `guarded`: a throw inside one
// handler is logged and answered with an empty result, so one bad file can never take
// the language server (and with it every open editor's diagnostics) down.

export interface Logger { error(message: string): void }

export function guarded<P extends unknown[], R>(name: string, log: Logger, fallback: R, fn: (...args: P) => R): (...args: P) => R {
  return (...args: P): R => {
    try {
      const out = fn(...args);
      if (out instanceof Promise) {
        return out.catch((e: unknown) => { log.error(`latent-lab server: ${name} failed: ${describeError(e)}`); return fallback; }) as R;
      }
      return out;
    } catch (e) {
      log.error(`latent-lab server: ${name} failed: ${describeError(e)}`);
      return fallback;
    }
  };
}

export function describeError(e: unknown): string {
  return e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
}
