// Nearest valid spelling for quick fixes: Levenshtein distance, small inputs only
// (a key or enum value against the handful of valid ones at that place).

export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/** The candidate closest to `word` (case-insensitive), if it is close enough to be a plausible typo. */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined, bestDistance = Infinity;
  for (const c of candidates) {
    const lc = c.toLowerCase();
    // A prefix or substring match (`lay` -> `layers`) counts as close.
    const d = lc.startsWith(w) || w.startsWith(lc) ? Math.min(1, editDistance(w, lc)) : editDistance(w, lc);
    if (d < bestDistance) { best = c; bestDistance = d; }
  }
  const limit = Math.max(2, Math.floor(Math.max(word.length, 1) / 2));
  return bestDistance <= limit ? best : undefined;
}
