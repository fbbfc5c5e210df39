// Fused attention core (attention.cc): scale + mask + softmax with the q·kᵀ
// product, and probs·v, each with its gradient, one call per direction.
#pragma once

namespace ll {

struct AttnShape {
  long B, heads, Tq, Tk, d, dh;  // d = heads · dh
  float scale;                   // 1/√dh
  bool maskBatched;              // mask [B, Tq, Tk] (true) or [1, Tq, Tk] shared (false)
};

// q [B, Tq, d], k [B, Tk, d], mask additive or nullptr → probs [B, h, Tq, Tk]
void attnProbs(const AttnShape& s, const float* q, const float* k, const float* mask, float* probs);
// dprobs, probs [B, h, Tq, Tk] → dq [B, Tq, d], dk [B, Tk, d] (the mask gets none: it is a constant)
void attnProbsGrad(const AttnShape& s, const float* dprobs, const float* probs, const float* q, const float* k,
                   float* dq, float* dk);
// probs [B, h, Tq, Tk], v [B, Tk, d] → ctx [B, Tq, d]
void attnContext(const AttnShape& s, const float* probs, const float* v, float* ctx);
// dctx [B, Tq, d] → dprobs [B, h, Tq, Tk], dv [B, Tk, d]
void attnContextGrad(const AttnShape& s, const float* dctx, const float* probs, const float* v, float* dprobs,
                     float* dv);

// Both at once when nobody reads probs: ctx [B, Tq, d] and stats [B, h, Tq, 2] (row max, 1/sum)
void attend(const AttnShape& s, const float* q, const float* k, const float* v, const float* mask, float* ctx,
            float* stats);
// dctx [B, Tq, d] → dq, dk, dv, the probabilities recomputed per head from stats
void attendGrad(const AttnShape& s, const float* dctx, const float* q, const float* k, const float* v, const float* mask,
                const float* stats, float* dq, float* dk, float* dv);

}  // namespace ll
