/** Turns texts into vectors; skills are compared by the cosine of theirs. */
export interface EmbeddingProvider {
  /** Stored with each embedding, so vectors of different models are never compared. */
  readonly model: string;
  embed(texts: string[]): Promise<number[][]>;
}

/** Scales a vector to length 1, so a dot product is the cosine. */
export function normalize(vector: number[]): number[] {
  const length = Math.hypot(...vector);
  return length === 0 ? vector : vector.map((x) => x / length);
}
