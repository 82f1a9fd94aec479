import { createHash } from 'node:crypto';
import { type EmbeddingProvider, normalize } from './embedding-provider.ts';

const dimensions = 256;

const tokensOf = (text: string): string[] => {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const bigrams = words.slice(1).map((word, i) => `${words[i]} ${word}`);
  return [...words, ...bigrams];
};

/**
 * The built-in provider: signed feature hashing of words and word pairs into
 * 256 dimensions. No model, no network; texts sharing vocabulary land close
 * together, which is what "similar skills" needs without an external service.
 */
export class LocalEmbeddingProvider implements EmbeddingProvider {
  readonly model = `local-hash-${dimensions}`;

  async embed(texts: string[]): Promise<number[][]> {
    return texts.map((text) => {
      const vector = new Array<number>(dimensions).fill(0);
      for (const token of tokensOf(text)) {
        const digest = createHash('sha1').update(token).digest();
        const index = digest.readUInt16BE(0) % dimensions;
        vector[index] = (vector[index] ?? 0) + ((digest[2] ?? 0) & 1 ? 1 : -1);
      }
      return normalize(vector);
    });
  }
}
