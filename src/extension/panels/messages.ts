// Every message from a webview is checked (type and fields) before the host uses
// it: a webview is untrusted content. Pure: unit-tested.

export type DashboardMessage = { type: 'ready' };
export type AttentionMessage =
  | { type: 'ready' }
  | { type: 'requestStep'; step: number }
  | { type: 'export'; kind: 'png' | 'csv'; data: string; suggestedName: string };
export type CompareMessage = { type: 'ready' } | { type: 'openRun'; name: string } | { type: 'exportCsv' };

const MAX_EXPORT_CHARS = 64 * 1024 * 1024;

function typeOf(m: unknown): string | undefined {
  if (typeof m !== 'object' || m === null) return undefined;
  const t = (m as { type?: unknown }).type;
  return typeof t === 'string' ? t : undefined;
}

export function parseDashboardMessage(m: unknown): DashboardMessage | undefined {
  return typeOf(m) === 'ready' ? { type: 'ready' } : undefined;
}

export function parseAttentionMessage(m: unknown): AttentionMessage | undefined {
  const t = typeOf(m);
  if (t === 'ready') return { type: 'ready' };
  const o = m as Record<string, unknown>;
  if (t === 'requestStep') {
    return typeof o.step === 'number' && Number.isInteger(o.step) && o.step >= 0 ? { type: 'requestStep', step: o.step } : undefined;
  }
  if (t === 'export') {
    if (o.kind !== 'png' && o.kind !== 'csv') return undefined;
    if (typeof o.data !== 'string' || o.data.length > MAX_EXPORT_CHARS) return undefined;
    if (o.kind === 'png' && !o.data.startsWith('data:image/png;base64,')) return undefined;
    const name = typeof o.suggestedName === 'string' ? safeFileName(o.suggestedName, o.kind) : `attention.${o.kind}`;
    return { type: 'export', kind: o.kind, data: o.data, suggestedName: name };
  }
  return undefined;
}

export function parseCompareMessage(m: unknown): CompareMessage | undefined {
  const t = typeOf(m);
  if (t === 'ready') return { type: 'ready' };
  if (t === 'exportCsv') return { type: 'exportCsv' };
  const name = (m as Record<string, unknown>)?.name;
  if (t === 'openRun' && typeof name === 'string' && name.length > 0 && name.length < 500) return { type: 'openRun', name };
  return undefined;
}

/** A bare file name (no folders, no odd characters) ending in `.ext`. */
export function safeFileName(name: string, ext: string): string {
  const base = name.split(/[\\/]/).pop()!.replace(/[^A-Za-z0-9._=-]+/g, '_').replace(/^\.+/, '').slice(0, 120) || 'export';
  return base.toLowerCase().endsWith(`.${ext}`) ? base : `${base}.${ext}`;
}
