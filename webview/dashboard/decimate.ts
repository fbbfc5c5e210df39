// Incremental min/max decimation of a growing line series, so a chart of
// 10,000+ points redraws from at most 2 * maxBuckets points and an append costs
// O(1) amortised. Each bucket covers `bucketSize` consecutive points and keeps
// the index of its minimum and maximum; when the buckets exceed the limit,
// neighbours merge pairwise and the bucket size doubles. Peaks and dips survive
// (unlike striding), which is what matters for a loss curve. Pure, Node-tested.

export class MinMaxDecimator {
  readonly xs: number[] = [];
  readonly ys: (number | null)[] = [];
  private bucketSize = 1;
  private mins: number[] = [];     // index of each bucket's minimum
  private maxs: number[] = [];     // index of each bucket's maximum
  private filled = 0;              // points in the last bucket

  constructor(readonly maxBuckets = 1000) {}

  get length(): number { return this.xs.length; }

  push(x: number, y: number | null): void {
    const i = this.xs.length;
    this.xs.push(x);
    this.ys.push(y);
    if (this.mins.length === 0 || this.filled === this.bucketSize) {
      this.mins.push(i);
      this.maxs.push(i);
      this.filled = 1;
      if (this.mins.length > this.maxBuckets) this.merge();
      return;
    }
    const b = this.mins.length - 1;
    this.mins[b] = this.pick(this.mins[b], i, (a, c) => a < c);
    this.maxs[b] = this.pick(this.maxs[b], i, (a, c) => a > c);
    this.filled++;
  }

  /** The kept points in x order: every point when few, else each bucket's min and max. */
  output(): [number[], (number | null)[]] {
    if (this.bucketSize === 1) return [this.xs.slice(), this.ys.slice()];
    const xs: number[] = [];
    const ys: (number | null)[] = [];
    for (let b = 0; b < this.mins.length; b++) {
      const [i, j] = this.mins[b] <= this.maxs[b] ? [this.mins[b], this.maxs[b]] : [this.maxs[b], this.mins[b]];
      xs.push(this.xs[i]); ys.push(this.ys[i]);
      if (j !== i) { xs.push(this.xs[j]); ys.push(this.ys[j]); }
    }
    // The newest point is always shown, so a live curve ends where training is.
    const last = this.xs.length - 1;
    if (xs[xs.length - 1] !== this.xs[last]) { xs.push(this.xs[last]); ys.push(this.ys[last]); }
    return [xs, ys];
  }

  /** Prefers a real value over a gap (null), then the comparison. */
  private pick(cur: number, cand: number, better: (a: number, b: number) => boolean): number {
    const a = this.ys[cand];
    const b = this.ys[cur];
    if (a === null || Number.isNaN(a)) return cur;
    if (b === null || Number.isNaN(b)) return cand;
    return better(a, b) ? cand : cur;
  }

  private merge(): void {
    const mins: number[] = [];
    const maxs: number[] = [];
    for (let b = 0; b < this.mins.length; b += 2) {
      if (b + 1 >= this.mins.length) { mins.push(this.mins[b]); maxs.push(this.maxs[b]); continue; }
      mins.push(this.pick(this.mins[b], this.mins[b + 1], (a, c) => a < c));
      maxs.push(this.pick(this.maxs[b], this.maxs[b + 1], (a, c) => a > c));
    }
    // The last (possibly partial) bucket absorbed a half-full partner: recount its fill.
    this.bucketSize *= 2;
    this.mins = mins;
    this.maxs = maxs;
    this.filled = this.xs.length - (this.mins.length - 1) * this.bucketSize;
  }
}
