// Segment ids: what each sequence position holds. The engine's masks, embeddings
// and losses key on them, and capture files store them per position (the attention
// viewer reads them back), so the one table lives here, in core (no tfjs).
export const SEGMENT = {
  text: 0,    // <bos>, prompt words, choices
  image: 1,   // <img> placeholders, replaced by image tokens
  latent: 2,  // <lat> placeholders, replaced by latent embeddings
  answer: 3,  // answer words and <eos> (VaLR: also rationale steps and <latStart>/<latEnd>)
  pad: 4,     // right padding up to T
} as const;

export type SegmentId = (typeof SEGMENT)[keyof typeof SEGMENT];
