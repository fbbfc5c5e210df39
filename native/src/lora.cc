// A LoRA linear layer in one call each way, split over blocks of rows. With the frozen W and
// the adapter merged per call, W' = W + A·(s·B) ([din, dout], din·dout·r multiply-adds, nothing
// next to the N-row products), the layer is x·W' + bias, exactly the math of x·W + bias + s·(x·A)·B
// up to float rounding, as merged LoRA weights are used for inference:
//
// Forward, per block of rows:  z = x·[W' | A]   one sgemm [rows, din]·[din, dout + r]
//                              y = z[:, :dout] + bias,  u = z[:, dout:]   (u = x·A, for dB)
//                              (then + res, or gelu(y) with y kept: the block's residual add or the
//                              MLP's activation in the same pass over y)
// The rank-r product x·A alone is a poor sgemm shape (8 output columns run far below
// peak); appended to W's columns it costs what 8 more columns of W cost.
//
// Backward, per block:         g  = dy, or dy·gelu'(pre) behind a GELU      [rows, dout]
//                              dx = g·W'ᵀ                                 one sgemm, K = dout
//                              du = g·(s·B)ᵀ,  dAᵀ_blk = duᵀ·x,  dB_blk = uᵀ·g   into this block's own slot
// then dA, dB = the sum of the blocks' slots, in block order: the same result at any thread
// count. No dW (frozen W): that product is as large as dx and LoRA never needs it.
#include "lora.h"

#include <string.h>

#include <vector>

#include "dispatch.h"

namespace ll {
namespace {

const long kRows = 128;                     // rows per block: z or G stays in L2
thread_local std::vector<float> t_block;    // z or G of one block [kRows, dout + r]

inline long blocks(long N) { return (N + kRows - 1) / kRows; }

struct LoraArgs {
  LoraShape s;
  const float *x, *dy, *u, *bias, *res;
  float* pre;        // GELU input [N, dout] (forward writes it, backward reads it) or nullptr
  const float* wa;   // forward [W' | A] [din, dout + r]; backward W'ᵀ [dout, din]
  const float* sB;   // s·B [r, dout]
  float *y, *uOut, *dx, *partials;
};

void forwardBlocks(void* arg, long b0, long b1) {
  const LoraArgs& a = *(const LoraArgs*)arg;
  const LoraShape& s = a.s;
  const long ldz = s.dout + s.r;
  if ((long)t_block.size() < kRows * ldz) t_block.resize(kRows * ldz);
  float* z = t_block.data();
  for (long blk = b0; blk < b1; blk++) {
    const long i0 = blk * kRows, rows = s.N - i0 < kRows ? s.N - i0 : kRows;
    gemmSerial(false, false, (int)rows, (int)ldz, (int)s.din, a.x + i0 * s.din, s.din, a.wa, ldz, z, ldz);
    kernels()->linearEpilogue(z, ldz, a.bias, a.res ? a.res + i0 * s.dout : nullptr, a.pre ? a.pre + i0 * s.dout : nullptr,
                              a.y + i0 * s.dout, rows, s.dout);   // the adapter is in W'
    for (long i = 0; i < rows; i++) memcpy(a.uOut + (i0 + i) * s.r, z + i * ldz + s.dout, sizeof(float) * s.r);
  }
}

// Slot of one block in `partials`: dAᵀ [r, din] then uᵀ·dy [r, dout].
inline long slot(const LoraShape& s) { return s.r * (s.din + s.dout); }

void backwardBlocks(void* arg, long b0, long b1) {
  const LoraArgs& a = *(const LoraArgs*)arg;
  const LoraShape& s = a.s;
  const long ldg = s.dout + s.r;
  if ((long)t_block.size() < kRows * ldg) t_block.resize(kRows * ldg);
  float* g = t_block.data();
  for (long blk = b0; blk < b1; blk++) {
    const long i0 = blk * kRows, rows = s.N - i0 < kRows ? s.N - i0 : kRows;
    const float* x = a.x + i0 * s.din;
    const float* dy = a.dy + i0 * s.dout;   // the gradient at the layer's output (before its GELU)
    long lddy = s.dout;
    if (a.pre) {
      for (long i = 0; i < rows; i++) kernels()->geluTanhGrad(a.dy + (i0 + i) * s.dout, a.pre + (i0 + i) * s.dout, g + i * ldg, s.dout);
      dy = g;
      lddy = ldg;
    }
    float* du = g + s.dout;                  // [rows, r], row stride ldg
    gemmSerial(false, true, (int)rows, (int)s.r, (int)s.dout, dy, lddy, a.sB, s.dout, du, ldg);          // du = dy·(s·B)ᵀ
    gemmSerial(false, false, (int)rows, (int)s.din, (int)s.dout, dy, lddy, a.wa, s.din, a.dx + i0 * s.din, s.din);  // dx = dy·W'ᵀ
    float* part = a.partials + blk * slot(s);
    gemmSerial(true, false, (int)s.r, (int)s.din, (int)rows, du, ldg, x, s.din, part, s.din);              // duᵀ·x
    gemmSerial(true, false, (int)s.r, (int)s.dout, (int)rows, a.u + i0 * s.r, s.r, dy, lddy, part + s.r * s.din, s.dout);
  }
}

// W'[c, j] = W[c, j] + Σ_k A[c, k]·sB[k, j] into out (row stride ldo), or its transpose when transposed.
void mergedWeight(const LoraShape& s, const float* W, const float* A, const float* sB, float* out, long ldo, bool transposed) {
  std::vector<float> row((size_t)s.dout);
  for (long c = 0; c < s.din; c++) {
    for (long j = 0; j < s.dout; j++) row[j] = 0.f;
    for (long k = 0; k < s.r; k++) {
      const float ack = A[c * s.r + k];
      for (long j = 0; j < s.dout; j++) row[j] += ack * sB[k * s.dout + j];
    }
    for (long j = 0; j < s.dout; j++) {
      const float w = W[c * s.dout + j] + row[j];
      if (transposed) out[j * ldo + c] = w; else out[c * ldo + j] = w;
    }
  }
}

double work(const LoraShape& s) { return (double)s.N * s.din * (s.dout + s.r); }

}  // namespace

void loraForward(const LoraShape& s, const float* x, const float* W, const float* A, const float* B, const float* bias,
                 const float* res, float* pre, float* y, float* u) {
  const long ldz = s.dout + s.r;
  std::vector<float> wa((size_t)s.din * ldz), sB((size_t)s.r * s.dout);
  for (long i = 0; i < s.r * s.dout; i++) sB[i] = s.scale * B[i];
  mergedWeight(s, W, A, sB.data(), wa.data(), ldz, false);
  for (long c = 0; c < s.din; c++) memcpy(&wa[c * ldz + s.dout], A + c * s.r, sizeof(float) * s.r);
  LoraArgs a{s, x, nullptr, nullptr, bias, res, pre, wa.data(), sB.data(), y, u, nullptr, nullptr};
  parallelFor(blocks(s.N), work(s), forwardBlocks, &a);
}

void loraBackward(const LoraShape& s, const float* dy, const float* x, const float* W, const float* A, const float* B,
                  const float* u, const float* pre, float* dx, float* dA, float* dB) {
  const long nb = blocks(s.N);
  std::vector<float> wat((size_t)s.dout * s.din), sB((size_t)s.r * s.dout), partials((size_t)nb * slot(s));
  for (long i = 0; i < s.r * s.dout; i++) sB[i] = s.scale * B[i];
  mergedWeight(s, W, A, sB.data(), wat.data(), s.din, true);   // W'ᵀ [dout, din]
  LoraArgs a{s, x, dy, u, nullptr, nullptr, (float*)pre, wat.data(), sB.data(), nullptr, nullptr, dx, partials.data()};
  parallelFor(nb, 2 * work(s), backwardBlocks, &a);
  // Block order, whatever the thread count: the same sums at 1 and 2 threads.
  memset(dA, 0, sizeof(float) * s.din * s.r);
  memset(dB, 0, sizeof(float) * s.r * s.dout);
  for (long blk = 0; blk < nb; blk++) {
    const float* part = &partials[blk * slot(s)];
    for (long k = 0; k < s.r; k++)
      for (long c = 0; c < s.din; c++) dA[c * s.r + k] += part[k * s.din + c];
    for (long i = 0; i < s.r * s.dout; i++) dB[i] += part[s.r * s.din + i];
  }
  for (long i = 0; i < s.r * s.dout; i++) dB[i] *= s.scale;
}

}  // namespace ll
