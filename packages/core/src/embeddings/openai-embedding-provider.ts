import { AppError } from '../errors/app-error.ts';
import { type EmbeddingProvider, normalize } from './embedding-provider.ts';

export interface OpenAiEmbeddingOptions {
  baseUrl: string;
  apiKey: string | null;
  model: string;
  timeoutMs?: number;
}

/** Any OpenAI-compatible `/embeddings` endpoint (OpenAI, Azure, a local server). */
export class OpenAiEmbeddingProvider implements EmbeddingProvider {
  readonly model: string;
  readonly #options: OpenAiEmbeddingOptions;

  constructor(options: OpenAiEmbeddingOptions) {
    this.#options = options;
    this.model = options.model;
  }

  async embed(texts: string[]): Promise<number[][]> {
    let response: Response;
    try {
      response = await fetch(`${this.#options.baseUrl.replace(/\/$/, '')}/embeddings`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.#options.apiKey && { authorization: `Bearer ${this.#options.apiKey}` }),
        },
        body: JSON.stringify({ model: this.model, input: texts }),
        signal: AbortSignal.timeout(this.#options.timeoutMs ?? 10_000),
      });
    } catch (error) {
      throw new AppError('UNAVAILABLE', 'The embedding service did not answer; try again shortly.', { cause: error });
    }
    if (!response.ok) {
      throw new AppError('UNAVAILABLE', `The embedding service refused the request (${response.status}).`);
    }
    const payload = (await response.json()) as { data?: { index: number; embedding: number[] }[] };
    const rows = [...(payload.data ?? [])].sort((a, b) => a.index - b.index);
    if (rows.length !== texts.length) throw new AppError('UNAVAILABLE', 'The embedding service answered incompletely.');
    return rows.map((row) => normalize(row.embedding));
  }
}
