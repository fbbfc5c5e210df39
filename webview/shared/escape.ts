// HTML-escaping for every value a panel writes into markup. Run files (metrics.jsonl,
// summary.json, config.json) are data from disk, not trusted markup: a `split` or a
// `seed` read from them must never become an element.

const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Any value as text safe inside an element or a quoted attribute. */
export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ENTITY[c]);
}
