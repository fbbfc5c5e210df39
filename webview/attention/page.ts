// The viewer's static DOM (built once) and small helpers for the
// @vscode-elements controls. Only the elements used are imported, so the
// bundle stays small.

import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';

export const PAGE_HTML = `
<div id="message" class="message" role="status">Waiting for an attention capture…</div>
<div id="content" hidden>
  <header class="toolbar">
    <label>Example <vscode-single-select id="example" aria-label="Example"></vscode-single-select></label>
    <vscode-button id="prev" secondary title="Previous example">‹</vscode-button>
    <vscode-button id="next" secondary title="Next example">›</vscode-button>
    <label>Heads <vscode-single-select id="head" aria-label="Heads"></vscode-single-select></label>
    <label>Normalise <vscode-single-select id="norm" aria-label="Normalisation"></vscode-single-select></label>
    <label>Show <vscode-single-select id="paths" aria-label="Maps shown"></vscode-single-select></label>
    <label>Layer <vscode-single-select id="layer" aria-label="Layer"></vscode-single-select></label>
    <label>Latent <vscode-single-select id="latent" aria-label="Latent token"></vscode-single-select></label>
    <span id="step-box" class="step-box" hidden>
      <label for="step">Step</label><input type="range" id="step" min="0" max="0" step="1"><span id="step-label"></span>
    </span>
    <span class="spacer"></span>
    <vscode-button id="export-png" secondary title="Save the current view as PNG">PNG</vscode-button>
    <vscode-button id="export-csv" secondary title="Save the numbers of the current view as CSV">CSV</vscode-button>
  </header>
  <section class="example-card">
    <figure><canvas id="image" width="160" height="160"></canvas><figcaption>image</figcaption></figure>
    <figure id="corrupted-figure"><canvas id="corrupted-image" width="160" height="160"></canvas><figcaption id="corrupted-caption">corrupted</figcaption></figure>
    <dl class="example-text">
      <dt>task</dt><dd id="task"></dd>
      <dt>question</dt><dd id="question"></dd>
      <dt>answer</dt><dd id="answer"></dd>
      <dt>prediction</dt><dd><span id="prediction"></span> <vscode-badge id="verdict"></vscode-badge></dd>
      <dt>overlay</dt><dd id="overlay-caption" class="muted"></dd>
    </dl>
  </section>
  <section class="legend">
    <span class="legend-title">answer → latent attention</span>
    <span id="seq-lo"></span><span class="legend-bar" id="seq-bar"></span><span id="seq-hi"></span>
    <span id="diff-legend"><span class="legend-title">intact − corrupted</span>
    <span id="div-lo"></span><span class="legend-bar" id="div-bar"></span><span id="div-hi"></span></span>
    <span class="muted">Hover a cell for exact values; click a layer to enlarge it.</span>
  </section>
  <section id="rows" class="rows"></section>
</div>
<div id="enlarged" class="enlarged" hidden>
  <div class="enlarged-inner">
    <div class="enlarged-bar"><span id="enlarged-title"></span><span class="muted">click a column to show that latent on the image</span><vscode-button id="close" secondary>Close</vscode-button></div>
    <div id="enlarged-host"></div>
  </div>
</div>
<div id="tooltip" class="tooltip" role="tooltip" hidden></div>
`;

export const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;

interface SelectElement extends HTMLElement { value: string }

/**
 * Replaces a vscode-single-select's options and selects `value`. The element reads
 * its options on slotchange, after this returns, so `el.value = value` alone is lost
 * (the dropdown kept showing the old example after ‹ ›): the chosen option carries
 * `selected`, and the value is set again once the element has seen its new options.
 */
export function fillSelect(id: string, options: [string, string][], value: string): void {
  const el = $<SelectElement>(id);
  el.replaceChildren(...options.map(([v, label]) => {
    const o = document.createElement('vscode-option') as HTMLElement & { value: string };
    o.setAttribute('value', v);
    if (v === value) o.setAttribute('selected', '');
    o.textContent = label;
    return o;
  }));
  el.dataset.wanted = value;
  el.value = value;
  // slotchange does not leave the element's shadow root: a task later it has run.
  setTimeout(() => setSelect(id, el.dataset.wanted ?? value), 0);
}

/** Selects `value` if the control shows something else (the state changed elsewhere). */
export function setSelect(id: string, value: string): void {
  const el = $<SelectElement>(id);
  el.dataset.wanted = value;
  if (el.value !== value) el.value = value;
}

export function onSelect(id: string, handler: (value: string) => void): void {
  const el = $<SelectElement>(id);
  el.addEventListener('change', () => handler(el.value));
}
