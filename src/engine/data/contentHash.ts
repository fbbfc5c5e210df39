// A 64-bit content hash of (image, question): two independent 32-bit FNV-1a-style lanes over the
// image's float bits and the question's characters. Used to keep train/val/test disjoint.

export function contentHash(image: Float32Array, question: string): string {
  const words = new Uint32Array(image.buffer, image.byteOffset, image.length);
  let h1 = 0x811c9dc5, h2 = 0x9747b28c;
  for (let i = 0; i < words.length; i++) {
    h1 = Math.imul(h1 ^ words[i], 0x01000193);
    h2 = Math.imul(h2 ^ words[i], 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  for (let i = 0; i < question.length; i++) {
    const c = question.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}
