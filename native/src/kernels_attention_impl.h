// Attention rows, part of kernels_impl.h: included inside its namespace, once per
// instruction-set variant, so the same rules hold (no header, internal linkage).
//
// Scores are built one row at a time in a padded buffer: lanes past the row's last
// column hold -inf, so their exp is 0. kᵀ (and vᵀ) are packed [dh, Tp] so that every
// vector of 16 (8, 4) scores is dh FMAs from L1.

inline vf loadTail(const float* p, long n, float pad) {
  float t[W];
  for (long j = 0; j < W; j++) t[j] = j < n ? p[j] : pad;
  return load(t);
}
inline long padTo(long n) { return (n + W - 1) / W * W; }

// W rows of W lanes transposed in registers: log2(W) stages, each swapping the off-diagonal
// blocks of size b within every 2b×2b block (b = 1, 2, 4, …), two-input shuffles only.
template <int B>
inline void transposeStage(vf* r) {
  vi lo, hi;
  for (int l = 0; l < W; l++) {
    const bool first = (l / B) % 2 == 0;
    lo[l] = first ? l : W + l - B;
    hi[l] = first ? l + B : W + l;
  }
  for (int i = 0; i < W; i++) {
    if ((i / B) % 2) continue;
    const vf a = r[i], b = r[i + B];
    r[i] = __builtin_shuffle(a, b, lo);
    r[i + B] = __builtin_shuffle(a, b, hi);
  }
}
inline void transposeTile(vf* r) {
  transposeStage<1>(r);
  transposeStage<2>(r);
  if (W > 4) transposeStage<(W > 4 ? 4 : 1)>(r);
  if (W > 8) transposeStage<(W > 8 ? 8 : 1)>(r);
}

// dst[c, j] = src[j, c] for c < dh, j < T (row stride ld); columns T..Tp-1 zero. Whole W×W tiles
// through registers (strided scalar stores, one cache line each, cost a fifth of a head's backward).
void packTransposed(const float* src, long ld, long T, long dh, long Tp, float* dst) {
  long j = 0;
  for (; j + W <= T; j += W) {
    for (long c0 = 0; c0 < dh; c0 += W) {
      const long nc = dh - c0 < W ? dh - c0 : (long)W;
      vf r[W];
      for (int t = 0; t < W; t++) r[t] = nc == W ? load(src + (j + t) * ld + c0) : loadTail(src + (j + t) * ld + c0, nc, 0.f);
      transposeTile(r);
      for (long c = 0; c < nc; c++) store(dst + (c0 + c) * Tp + j, r[c]);
    }
  }
  for (; j < T; j++)
    for (long c = 0; c < dh; c++) dst[c * Tp + j] = src[j * ld + c];
  for (long c = 0; c < dh; c++)
    for (long t = T; t < Tp; t++) dst[c * Tp + t] = 0.f;
}

// dst[j, c] = src[j, c] for j < T, c < dh; lanes dh..Dp-1 zero (whole vectors per row).
void packRows(const float* src, long ld, long T, long dh, long Dp, float* dst) {
  for (long j = 0; j < T; j++) {
    for (long c = 0; c < dh; c++) dst[j * Dp + c] = src[j * ld + c];
    for (long c = dh; c < Dp; c++) dst[j * Dp + c] = 0.f;
  }
}

// out[t] = Σ_c x[c] · mt[c, j + t·W .. +W) for t < NJ: NJ independent FMA chains (one chain
// would wait on each FMA's latency); each lane sums over c in order, as one chain would.
template <int NJ>
inline void columnsBlock(const float* x, const float* mt, long Tp, long dh, long j, vf* out) {
  vf acc[NJ];
  for (int t = 0; t < NJ; t++) acc[t] = vf{};
  for (long c = 0; c < dh; c++) {
    const vf xc = splat(x[c]);
    const float* mc = mt + c * Tp + j;
    for (int t = 0; t < NJ; t++) acc[t] += xc * load(mc + t * W);
  }
  for (int t = 0; t < NJ; t++) out[t] = acc[t];
}

// The last vector of a row, alone: four partial sums over c (c mod 4) instead of one chain of
// dh dependent FMAs, which would cost as much as a whole block of four vectors.
inline vf columnsLast(const float* x, const float* mt, long Tp, long dh, long j) {
  vf acc[4] = {};
  long c = 0;
  for (; c + 4 <= dh; c += 4)
    for (int u = 0; u < 4; u++) acc[u] += splat(x[c + u]) * load(mt + (c + u) * Tp + j);
  for (; c < dh; c++) acc[0] += splat(x[c]) * load(mt + c * Tp + j);
  return (acc[0] + acc[1]) + (acc[2] + acc[3]);
}

// out[j] = Σ_c x[c] · mt[c, j] for j < padTo(n) (mt packed [dh, Tp], zero past its columns):
// blocks of four vectors, then the rest as one block (compile-time sizes: vectors stay in registers).
template <int NJ>
inline void columnsStore(const float* x, const float* mt, long Tp, long dh, long j, float* out) {
  vf r[NJ];
  columnsBlock<NJ>(x, mt, Tp, dh, j, r);
  for (int t = 0; t < NJ; t++) store(out + j + t * W, r[t]);
}
inline void columns(const float* x, const float* mt, long Tp, long dh, long n, float* out) {
  long j = 0;
  for (; j + 4 * W <= n; j += 4 * W) columnsStore<4>(x, mt, Tp, dh, j, out);
  const long rest = (n - j + W - 1) / W;   // 0..4 vectors (4: a partial last one)
  if (rest == 4) columnsStore<4>(x, mt, Tp, dh, j, out);
  else if (rest == 3) columnsStore<3>(x, mt, Tp, dh, j, out);
  else if (rest == 2) columnsStore<2>(x, mt, Tp, dh, j, out);
  else if (rest == 1) store(out + j, columnsLast(x, mt, Tp, dh, j));
}

// The scores vector at columns j..j+W of a row of n: scale·(q·k) + mask, -inf in lanes past n.
inline vf scoreVector(vf qk, float scale, const float* mi, long n, long j) {
  vf acc = qk * scale;
  const long m = n - j < W ? n - j : (long)W;
  if (mi) acc += m == W ? load(mi + j) : loadTail(mi + j, m, 0.f);
  if (m < W) { float t[W]; store(t, acc); for (long l = m; l < W; l++) t[l] = -__builtin_inff(); acc = load(t); }
  return acc;
}

// s[j] = scale q·k_j + mask_j for j < n, -inf in the lanes up to padTo(n); returns the row max.
// One pass: each vector is scaled, masked and stored as it leaves its FMA chain.
template <int NJ>
inline void scoresBlock(const float* qi, const float* kt, long Tp, long dh, float scale, const float* mi, long n, long j, float* s,
                        vf& mx) {
  vf r[NJ];
  if (NJ == 1) r[0] = columnsLast(qi, kt, Tp, dh, j);
  else columnsBlock<NJ>(qi, kt, Tp, dh, j, r);
  for (int t = 0; t < NJ; t++) {
    const vf v = scoreVector(r[t], scale, mi, n, j + t * W);
    mx = vmax(mx, v);
    store(s + j + t * W, v);
  }
}
inline float scoresRow(const float* qi, const float* kt, long Tp, long dh, float scale, const float* mi, long n, float* s) {
  vf mx = splat(-__builtin_inff());
  long j = 0;
  for (; j + 4 * W <= n; j += 4 * W) scoresBlock<4>(qi, kt, Tp, dh, scale, mi, n, j, s, mx);
  const long rest = (n - j + W - 1) / W;   // 0..4 vectors (4: a partial last one)
  if (rest == 4) scoresBlock<4>(qi, kt, Tp, dh, scale, mi, n, j, s, mx);
  else if (rest == 3) scoresBlock<3>(qi, kt, Tp, dh, scale, mi, n, j, s, mx);
  else if (rest == 2) scoresBlock<2>(qi, kt, Tp, dh, scale, mi, n, j, s, mx);
  else if (rest == 1) scoresBlock<1>(qi, kt, Tp, dh, scale, mi, n, j, s, mx);
  return hmax(mx);
}

// 1 + the last column of m [Tk] above `blocked`, or 0 when none is: a vector at a time from the end.
long rowExtentKernel(const float* m, long Tk, float blocked) {
  long j = Tk;
  for (; j >= W; j -= W)
    if (hmax(load(m + j - W)) > blocked) break;   // some column of these W is open
  while (j > 0 && m[j - 1] <= blocked) j--;
  return j;
}

// ------------------------------------------------------------------ probabilities materialised
void attnScoresSoftmaxKernel(const float* q, long ldq, const float* k, long ldk, const float* mask, float* p, long Tq,
                             long Tk, long dh, float scale, float* scratch) {
  const long Tp = padTo(Tk);
  float* kt = scratch;                                     // kᵀ [dh, Tp], zero-padded
  float* row = scratch + dh * Tp;                          // one row of scores [Tp]
  packTransposed(k, ldk, Tk, dh, Tp, kt);
  for (long i = 0; i < Tq; i++) {
    const float m = scoresRow(q + i * ldq, kt, Tp, dh, scale, mask ? mask + i * Tk : nullptr, Tk, row);
    vf sum = {};
    for (long j = 0; j < Tp; j += W) { const vf e = vexp(load(row + j) - m); sum += e; store(row + j, e); }
    const float inv = 1.0f / hsum(sum);
    float* pi = p + i * Tk;
    long j = 0;
    for (; j + W <= Tk; j += W) store(pi + j, load(row + j) * inv);
    for (; j < Tk; j++) pi[j] = row[j] * inv;
  }
}

void softmaxGradRowsKernel(float* dp, const float* p, long rows, long cols, float scale) {
  const long full = cols - cols % W;
  for (long r = 0; r < rows; r++) {
    float* dr = dp + r * cols;
    const float* pr = p + r * cols;
    vf acc = {};
    for (long i = 0; i < full; i += W) acc += load(dr + i) * load(pr + i);
    float s = hsum(acc);
    for (long i = full; i < cols; i++) s += dr[i] * pr[i];
    for (long i = 0; i < full; i += W) store(dr + i, scale * load(pr + i) * (load(dr + i) - s));
    for (long i = full; i < cols; i++) dr[i] = scale * pr[i] * (dr[i] - s);
  }
}

// ------------------------------------------------------------------ probabilities never written
// One head, rows in blocks of R. Each row's scores, probabilities and dS are vectors over its
// columns (row buffers [R, Tp]); the products over columns are vectorised over the head's dh
// lanes, with the head's rows packed [T, Dp] (Dp = dh in whole vectors):
//   ctx_r = Σ_j p_rj v_j,   dq_r = Σ_j dS_rj k_j,   dk_j += Σ_r dS_rj q_r,   dv_j += Σ_r p_rj dctx_r
// so each v_j, k_j, dk_j, dv_j is loaded (and stored) once per block of R rows, not once a row.
// Columns past a row's extent are skipped (their probability is exactly 0: attention.cc), so a
// causal row costs what it sees.
enum { R = 4 };

// out[r, c0 : c0 + NV·W) = Σ_{j<n} w[r, j] · M[j, c0 : c0 + NV·W) for r < R (w rows of stride ldw).
template <int NV>
inline void rowsTimesChunk(const float* w, long ldw, const float* M, long Dp, long n, long c0, float* out) {
  vf acc[R][NV];
  for (int r = 0; r < R; r++) for (int c = 0; c < NV; c++) acc[r][c] = vf{};
  for (long j = 0; j < n; j++) {
    vf m[NV];
    for (int c = 0; c < NV; c++) m[c] = load(M + j * Dp + c0 + c * W);
    for (int r = 0; r < R; r++) {
      const vf wr = splat(w[r * ldw + j]);
      for (int c = 0; c < NV; c++) acc[r][c] += wr * m[c];
    }
  }
  for (int r = 0; r < R; r++) for (int c = 0; c < NV; c++) store(out + r * Dp + c0 + c * W, acc[r][c]);
}
void rowsTimes(const float* w, long ldw, const float* M, long Dp, long n, float* out) {
  long c = 0;
  for (; c + 2 * W <= Dp; c += 2 * W) rowsTimesChunk<2>(w, ldw, M, Dp, n, c, out);
  if (c < Dp) rowsTimesChunk<1>(w, ldw, M, Dp, n, c, out);
}

// M[j, c0 : c0 + NV·W) += Σ_r w[r, j] · x[r, c0 : c0 + NV·W) for j < n (x rows [R, Dp]).
template <int NV>
inline void rowsRank1Chunk(float* M, long Dp, const float* w, long ldw, const float* x, long n, long c0) {
  vf xr[R][NV];
  for (int r = 0; r < R; r++) for (int c = 0; c < NV; c++) xr[r][c] = load(x + r * Dp + c0 + c * W);
  for (long j = 0; j < n; j++) {
    float* mj = M + j * Dp + c0;
    vf acc[NV];
    for (int c = 0; c < NV; c++) acc[c] = load(mj + c * W);
    for (int r = 0; r < R; r++) {
      const vf wr = splat(w[r * ldw + j]);
      for (int c = 0; c < NV; c++) acc[c] += wr * xr[r][c];
    }
    for (int c = 0; c < NV; c++) store(mj + c * W, acc[c]);
  }
}
void rowsRank1(float* M, long Dp, const float* w, long ldw, const float* x, long n) {
  long c = 0;
  for (; c + 2 * W <= Dp; c += 2 * W) rowsRank1Chunk<2>(M, Dp, w, ldw, x, n, c);
  if (c < Dp) rowsRank1Chunk<1>(M, Dp, w, ldw, x, n, c);
}

// dst[0:dh) = scale · src[0:dh)
inline void storeScaled(float* dst, const float* src, long dh, float scale) {
  for (long c = 0; c < dh; c++) dst[c] = src[c] * scale;
}
inline void zeroRange(float* p, long a, long b) { for (long j = a; j < b; j++) p[j] = 0.f; }

long attnHeadScratchKernel(long Tk, long dh) {
  const long Tp = padTo(Tk), Dp = padTo(dh);
  return 2 * dh * Tp + 3 * Tk * Dp + 2 * R * Tp + 3 * R * Dp + W;
}

void attnHeadForwardKernel(const AttnHead& a) {
  const long Tp = padTo(a.Tk), Dp = padTo(a.dh);
  float* kt = a.scratch;                 // kᵀ [dh, Tp]
  float* vp = kt + a.dh * Tp;            // v [Tk, Dp]
  float* P = vp + a.Tk * Dp;             // a block's rows of exp(s − max) [R, Tp]
  float* out = P + R * Tp;               // a block's rows of Σ_j e_j v_j [R, Dp]
  packTransposed(a.k, a.ldk, a.Tk, a.dh, Tp, kt);
  packRows(a.v, a.ldv, a.Tk, a.dh, Dp, vp);
  long n[R];
  float inv[R];
  for (long i0 = 0; i0 < a.Tq; i0 += R) {
    long nmax = 0;
    for (long r = 0; r < R; r++) {
      const long i = i0 + r;
      float* p = P + r * Tp;
      n[r] = i >= a.Tq ? 0 : a.extent ? a.extent[i] : a.Tk;
      if (n[r] == 0) continue;
      const float m = scoresRow(a.q + i * a.ldq, kt, Tp, a.dh, a.scale, a.mask ? a.mask + i * a.Tk : nullptr, n[r], p);
      vf sum = {};
      for (long j = 0; j < n[r]; j += W) { const vf e = vexp(load(p + j) - m); sum += e; store(p + j, e); }
      inv[r] = 1.0f / hsum(sum);
      a.stats[2 * i] = m;                // p = exp(s − m) · inv: the backward recomputes exactly these
      a.stats[2 * i + 1] = inv[r];
      nmax = n[r] > nmax ? n[r] : nmax;
    }
    for (long r = 0; r < R; r++) zeroRange(P + r * Tp, padTo(n[r]), padTo(nmax));
    rowsTimes(P, Tp, vp, Dp, nmax, out);
    for (long r = 0; r < R && i0 + r < a.Tq; r++) storeScaled(a.ctx + (i0 + r) * a.ldo, out + r * Dp, a.dh, inv[r]);
  }
}

void attnHeadBackwardKernel(const AttnHead& a) {
  const long Tp = padTo(a.Tk), Dp = padTo(a.dh);
  float* kt = a.scratch;                 // kᵀ [dh, Tp]
  float* vt = kt + a.dh * Tp;            // vᵀ [dh, Tp]
  float* kp = vt + a.dh * Tp;            // k [Tk, Dp]
  float* dK = kp + a.Tk * Dp;            // [Tk, Dp] accumulated over rows
  float* dV = dK + a.Tk * Dp;            // [Tk, Dp]
  float* P = dV + a.Tk * Dp;             // a block's probabilities [R, Tp]
  float* dS = P + R * Tp;                // a block's dP, then dS [R, Tp]
  float* Q = dS + R * Tp;                // a block's q, dctx and dq rows [R, Dp] each
  float* O = Q + R * Dp;
  float* DQ = O + R * Dp;
  packTransposed(a.k, a.ldk, a.Tk, a.dh, Tp, kt);
  packTransposed(a.v, a.ldv, a.Tk, a.dh, Tp, vt);
  packRows(a.k, a.ldk, a.Tk, a.dh, Dp, kp);
  zeroRange(dK, 0, 2 * a.Tk * Dp);
  long n[R];
  for (long i0 = 0; i0 < a.Tq; i0 += R) {
    long nmax = 0;
    for (long r = 0; r < R; r++) {
      const long i = i0 + r;
      float *p = P + r * Tp, *ds = dS + r * Tp;
      n[r] = i >= a.Tq ? 0 : a.extent ? a.extent[i] : a.Tk;
      zeroRange(Q + r * Dp, 0, Dp);       // a row past Tq keeps zero q and dctx
      zeroRange(O + r * Dp, 0, Dp);
      if (n[r] == 0) continue;
      packRows(a.q + i * a.ldq, 0, 1, a.dh, Dp, Q + r * Dp);
      packRows(a.dctx + i * a.ldo, 0, 1, a.dh, Dp, O + r * Dp);
      scoresRow(a.q + i * a.ldq, kt, Tp, a.dh, a.scale, a.mask ? a.mask + i * a.Tk : nullptr, n[r], p);
      columns(O + r * Dp, vt, Tp, a.dh, n[r], ds);                       // dP = dctx_i · vᵀ
      const float m = a.stats[2 * i], inv = a.stats[2 * i + 1];
      vf rs = {};
      for (long j = 0; j < n[r]; j += W) {
        const vf pj = vexp(load(p + j) - m) * inv;                        // the forward's probabilities (0 past n)
        store(p + j, pj);
        rs += load(ds + j) * pj;
      }
      const float rsum = hsum(rs);
      for (long j = 0; j < n[r]; j += W) store(ds + j, a.scale * load(p + j) * (load(ds + j) - rsum));
      nmax = n[r] > nmax ? n[r] : nmax;
    }
    for (long r = 0; r < R; r++) {
      zeroRange(P + r * Tp, padTo(n[r]), padTo(nmax));
      zeroRange(dS + r * Tp, padTo(n[r]), padTo(nmax));
    }
    rowsTimes(dS, Tp, kp, Dp, nmax, DQ);
    for (long r = 0; r < R && i0 + r < a.Tq; r++) storeScaled(a.dq + (i0 + r) * a.ldq, DQ + r * Dp, a.dh, 1.0f);
    rowsRank1(dK, Dp, dS, Tp, Q, nmax);
    rowsRank1(dV, Dp, P, Tp, O, nmax);
  }
  for (long j = 0; j < a.Tk; j++) {
    storeScaled(a.dk + j * a.ldk, dK + j * Dp, a.dh, 1.0f);
    storeScaled(a.dv + j * a.ldv, dV + j * Dp, a.dh, 1.0f);
  }
}
