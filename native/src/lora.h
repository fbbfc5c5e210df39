// A LoRA linear layer as one native operation each way (lora.cc):
//   y = x·W + bias + s·(x·A)·B,   u = x·A (kept for the backward pass)
// optionally followed by a GELU (mlp.in) or added to a residual (attn.o, mlp.out) in the same pass,
// and its gradient with respect to x, A and B only: W and bias are frozen under
// LoRA, so their gradients (the largest product of the backward pass) are never
// computed here (model code asks tfjs for them in the rare case they train).
#pragma once

namespace ll {

struct LoraShape {
  long N, din, dout, r;  // x [N, din], W [din, dout], A [din, r], B [r, dout]
  float scale;           // s = alpha / r
};

// x, W, A, B, bias (or nullptr) → y [N, dout], u [N, r]. With res [N, dout]: y = res + (the layer).
// With pre [N, dout]: y = gelu(the layer), its input kept in pre for the backward. (Not both.)
void loraForward(const LoraShape& s, const float* x, const float* W, const float* A, const float* B, const float* bias,
                 const float* res, float* pre, float* y, float* u);
// dy [N, dout], u [N, r] (and pre, when the forward had a GELU) → dx [N, din], dA [din, r], dB [r, dout]
void loraBackward(const LoraShape& s, const float* dy, const float* x, const float* W, const float* A, const float* B,
                  const float* u, const float* pre, float* dx, float* dA, float* dB);

}  // namespace ll
