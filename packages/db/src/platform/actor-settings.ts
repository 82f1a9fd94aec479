import { type SQL, sql } from 'drizzle-orm';
import type { RequestActor } from '../tenant-context/actor.ts';

/**
 * Runs one platform function after setting the caller as the transaction's
 * actor, for the functions that read who is asking from the settings (and
 * for the change capture their writes fire). These are plain settings, not
 * a signed context: the database reads them (platform.attribution) only
 * when no verified context is set, and never takes a tenant from them, so
 * they attribute a pre-tenant operation exactly as far as an explicit
 * `platform.actor` argument would, and reach no tenant's data. One statement, so one
 * transaction: the function's arguments name the settings' result, so
 * PostgreSQL must set them first, and `set_config(..., true)` ends with the
 * statement.
 */
export const withActorSettings = (actor: RequestActor, call: (after: SQL) => SQL, columns: SQL = sql`r.*`) => sql`
  select ${columns} from (select set_config('app.actor_type', ${actor.actorType}, true)
                       || set_config('app.actor_id', ${actor.actorId ?? ''}, true)
                       || set_config('app.request_id', ${actor.requestId ?? ''}, true)
                       || set_config('app.ip', ${actor.ip ?? ''}, true) as done) settings
  cross join lateral ${call(sql`(settings.done is not null)`)} r`;
