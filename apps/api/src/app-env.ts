import type { Database } from '@skillhub/db';
import type { Logger } from 'pino';

/** What every request handler can reach through `c.var`. */
export interface AppEnv {
  Variables: {
    db: Database;
    logger: Logger;
    requestId: string;
  };
}
