import type { AppConfig, EmbeddingProvider, MailDispatcher, RequestAuth } from '@skillhub/core';
import type { Database } from '@skillhub/db';
import type { Logger } from 'pino';
import type { BackgroundRecords } from './errors/background-records.ts';

/** What every request handler can reach through `c.var`. */
export interface AppEnv {
  Variables: {
    db: Database;
    logger: Logger;
    config: AppConfig;
    embeddings: EmbeddingProvider;
    /** Sends mail after the request's transaction has committed, in the background. */
    mail: MailDispatcher;
    requestId: string;
    /** Records the answer must not wait for (see {@link BackgroundRecords}). */
    records: BackgroundRecords;
    /** The caller's address: the socket's, or the rightmost untrusted X-Forwarded-For hop behind a trusted proxy. */
    clientIp: string | null;
    /** The tenant named by the Host header's subdomain, if any (not yet checked to exist). */
    hostSlug: string | null;
    auth: RequestAuth | null;
    /** Refuse JSON responses that stray from their route's schema (tests). */
    checkResponses: boolean;
  };
}
