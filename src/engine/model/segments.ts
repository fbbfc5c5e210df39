// Segment ids: what each sequence position holds (masks, embeddings and losses key on them).
export const SEGMENT = {
  text: 0,    // <bos>, prompt words, choices
  image: 1,   // <img> placeholders, replaced by image tokens
  latent: 2,  // <lat> placeholders, replaced by latent embeddings
  answer: 3,  // answer words and <eos> (VaLR: also rationale steps and <latStart>/<latEnd>)
  pad: 4,     // right padding up to T
} as const;

export type SegmentId = (typeof SEGMENT)[keyof typeof SEGMENT];
