// The VS Code webview API, or a stand-in when the page runs outside VS Code
// (rendering tests, benchmarks): state lives in memory and posted messages are
// kept on `window.__latentLabPosted` so a test can read them.

export interface WebviewApi<S> {
  postMessage(message: unknown): void;
  getState(): S | undefined;
  setState(state: S): void;
}

declare function acquireVsCodeApi<S>(): WebviewApi<S>;

interface StandInWindow { __latentLabPosted?: unknown[]; __latentLabState?: unknown }

let api: WebviewApi<unknown> | undefined;

/** acquireVsCodeApi may be called once per page; every module shares the one handle. */
export function vscodeApi<S>(): WebviewApi<S> {
  if (api) return api as WebviewApi<S>;
  if (typeof acquireVsCodeApi === 'function') {
    api = acquireVsCodeApi<unknown>();
  } else {
    const w = window as unknown as StandInWindow;
    w.__latentLabPosted = [];
    api = {
      postMessage: (m) => { w.__latentLabPosted!.push(m); },
      getState: () => w.__latentLabState,
      setState: (s) => { w.__latentLabState = s; },
    };
  }
  return api as WebviewApi<S>;
}
