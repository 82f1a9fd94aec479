import type { Database, RequestActor, UserRole } from '@skillhub/db';
import type { Logger } from 'pino';
import type { AppConfig } from './config.ts';
import type { EmbeddingProvider } from './embeddings/embedding-provider.ts';

/** Who is calling, once credentials have been checked. */
export interface RequestAuth {
  tenantId: string;
  tenantSlug: string;
  actor: RequestActor;
  userId: string | null;
  role: UserRole | null;
  sessionId: string | null;
  apiKeyId: string | null;
  scopes: string[];
}

/** What every request handler can reach through `c.var`. */
export interface AppEnv {
  Variables: {
    db: Database;
    logger: Logger;
    config: AppConfig;
    embeddings: EmbeddingProvider;
    requestId: string;
    clientIp: string | null;
    /** The tenant named by the Host header's subdomain, if any (not yet checked to exist). */
    hostSlug: string | null;
    auth: RequestAuth | null;
  };
}
