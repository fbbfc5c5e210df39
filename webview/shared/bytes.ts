// Bytes arrive from the host either as a base64 string (compact, the default)
// or as a plain number array (what postMessage gives for a Node Buffer's JSON).

export function messageBytes(bytes: unknown): Uint8Array {
  if (typeof bytes === 'string') return decodeBase64(bytes);
  if (bytes instanceof Uint8Array) return bytes;
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  if (Array.isArray(bytes)) return Uint8Array.from(bytes as number[]);
  throw new Error(`expected the capture bytes as a base64 string or a number array, got ${typeof bytes}`);
}

/** Base64 to bytes. (A hand-written lookup-table decoder measured no faster than atob in V8.) */
export function decodeBase64(s: string): Uint8Array {
  let bin: string;
  try {
    bin = atob(s);
  } catch {
    const j = s.search(/[^A-Za-z0-9+/=]/);
    throw new Error(`invalid base64${j >= 0 ? ` character at position ${j}` : ''} in the capture bytes`);
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
