// A small seedable PRNG (sfc32) with named, independent streams.
//
// One experiment seed drives everything random: `Rng.fromSeed(seed, 'data', 'counting', 'train')`
// and `Rng.fromSeed(seed, 'init')` are independent streams whose contents depend only on the
// seed and the labels, never on how many numbers another stream has drawn. `fork(label)` derives
// a child stream from this stream's key (not its position), so forking is order-independent too.
// getState/setState capture the exact position, for checkpoints that resume bit-for-bit.

/** 32-bit FNV-1a of a string, continued from `basis` (so hashes can be chained). */
export function hashString(text: string, basis = 0x811c9dc5): number {
  let h = basis >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** splitmix32: spreads one 32-bit key into well-mixed words for the sfc32 state. */
function splitmix32(x: number): [number, number] {
  x = (x + 0x9e3779b9) >>> 0;
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return [x, (z ^ (z >>> 16)) >>> 0];
}

export class Rng {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;
  private key: number;   // identity of the stream; fork() derives children from it

  private constructor(key: number) {
    this.key = key >>> 0;
    let s = this.key;
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [next, out] = splitmix32(s);
      s = next;
      words.push(out);
    }
    [this.a, this.b, this.c, this.d] = words;
    for (let i = 0; i < 12; i++) this.nextUint32();   // warm up: decorrelate nearby keys
  }

  /** The stream named by `labels` under `seed`. Same arguments, same numbers, on every machine. */
  static fromSeed(seed: number, ...labels: string[]): Rng {
    if (!Number.isFinite(seed)) throw new Error(`Rng.fromSeed: seed must be a finite number, got ${seed}`);
    let key = hashString(`seed:${Math.trunc(seed)}`);
    for (const label of labels) key = hashString(`/${label}`, key);
    return new Rng(key);
  }

  /** An independent child stream; depends only on this stream's key and the label. */
  fork(label: string): Rng {
    return new Rng(hashString(`/${label}`, this.key));
  }

  /** Uniform 32-bit unsigned integer (sfc32 step). */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!(n >= 1)) throw new Error(`Rng.int: n must be ≥ 1, got ${n}`);
    return Math.floor(this.next() * Math.floor(n));
  }

  /** Uniform integer in [lo, hi] (both inclusive). */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Rng.pick: empty list');
    return items[this.int(items.length)];
  }

  /** `k` distinct items, in random order. */
  sample<T>(items: readonly T[], k: number): T[] {
    if (k > items.length) throw new Error(`Rng.sample: asked for ${k} of ${items.length} items`);
    return this.shuffle(items.slice()).slice(0, k);
  }

  /** Fisher–Yates, in place; returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  /** Standard normal (Box–Muller; no cached spare, so the state stays four words + key). */
  normal(): number {
    const u = 1 - this.next();   // (0, 1]: log is finite
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  getState(): number[] {
    return [this.a >>> 0, this.b >>> 0, this.c >>> 0, this.d >>> 0, this.key];
  }

  setState(state: readonly number[]): void {
    if (state.length !== 5 || state.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffffffff)) {
      throw new Error(`Rng.setState: expected 5 unsigned 32-bit integers, got ${JSON.stringify(state)}`);
    }
    [this.a, this.b, this.c, this.d] = state.slice(0, 4).map((w) => w | 0);
    this.key = state[4] >>> 0;
  }

  /** A stream in exactly this state (for trying something without disturbing this one). */
  clone(): Rng {
    const copy = new Rng(this.key);
    copy.setState(this.getState());
    return copy;
  }
}
