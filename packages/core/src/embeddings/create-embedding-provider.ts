import type { AppConfig } from '../config/app-config.ts';
import type { EmbeddingProvider } from './embedding-provider.ts';
import { LocalEmbeddingProvider } from './local-embedding-provider.ts';
import { OpenAiEmbeddingProvider } from './openai-embedding-provider.ts';

/** The OpenAI-compatible provider when configured, else the built-in one. */
export const createEmbeddingProvider = (config: AppConfig): EmbeddingProvider =>
  config.embeddings ? new OpenAiEmbeddingProvider(config.embeddings) : new LocalEmbeddingProvider();
