import { NodePgTransaction } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import { DbError } from '../errors.ts';
import type { RequestActor } from './actor.ts';
import { parsedStatements } from './context-first-client.ts';
import type { PipelinedEnd } from './context-first-query.ts';
import type { ContextKey } from './context-key.ts';
import { currentScope, runInScope, type TenantTx } from './context-store.ts';
import { type TransactionLimits, tenantContextQuery, tenantContextSetLocal } from './context-token.ts';
import { beginDistributedBound } from './distributed-binding.ts';
import type { DrizzleParts } from './drizzle-parts.ts';
import { beginBound, drawTicketColumns, keepTicket, takeTicket } from './transaction-ticket.ts';

const tenantIdPattern = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * What follows every COMMIT or ROLLBACK, in the same round trip: what SQL inside `fn` (injected or
 * careless) left on this pooled connection would otherwise reach the next request on it, another
 * tenant's. RESET ALL ends session-level settings (app.context, search_path, statement_timeout, ...);
 * CLOSE ALL closes cursors declared WITH HOLD; DISCARD TEMP drops temporary objects, which PostgreSQL
 * searches before public and pg_catalog (a temporary view named `skills` would stand in for the table
 * in every later statement); the advisory locks a session took are released. On a connection to the backend itself the last statement also counts the session's
 * prepared statements, so the caller can tell whether one was planted (PREPARE, `from_sql`) or one of
 * the driver's removed: a statement prepared under a name the driver has parsed would run in place of
 * the driver's (connection-residue.test.ts). Behind a transaction-mode pooler the driver names none, so
 * there is nothing of ours to replace, and the census (about 45 µs of the backend's time) is skipped.
 */
const census = (drawTicket: boolean) =>
  'select (count(*) filter (where p.from_sql))::int as planted, (count(*) filter (where not p.from_sql))::int as named' +
  (drawTicket ? `, ${drawTicketColumns}` : '') +
  ' from (select pg_catalog.pg_advisory_unlock_all()) unlocked left join pg_catalog.pg_prepared_statements p on true';

/**
 * How a transaction's connection is ended: behind a pooler (no census), on the backend itself, or on the
 * backend itself drawing the ticket for its next transaction (where the database has migration 0060).
 */
type Ending = 'pooled' | 'direct' | 'ticketed';
const cleanup = (ending: Ending) => [
  'reset all',
  'close all',
  'discard temp',
  ending === 'pooled' ? 'select pg_catalog.pg_advisory_unlock_all()' : census(ending === 'ticketed'),
];

/** COMMIT, with the read of the mark migration 0027's trigger sets when the transaction changed a credential of its tenant. */
const commitStart = ["select current_setting('app.credentials_changed', true) as changed", 'commit'];
const endings: Ending[] = ['pooled', 'direct', 'ticketed'];
const endStatements = {
  commit: Object.fromEntries(endings.map((e) => [e, [...commitStart, ...cleanup(e)]])) as Record<Ending, string[]>,
  rollback: Object.fromEntries(endings.map((e) => [e, ['rollback', ...cleanup(e)]])) as Record<Ending, string[]>,
};
/** The same, as one simple query each. */
const endTexts = {
  commit: Object.fromEntries(endings.map((e) => [e, endStatements.commit[e].join('; ')])) as Record<Ending, string>,
  rollback: Object.fromEntries(endings.map((e) => [e, endStatements.rollback[e].join('; ')])) as Record<Ending, string>,
};

/**
 * Connections never to be reused: their session holds prepared statements other than the driver's, or
 * their transaction's end failed, so what it would have cleaned up (settings, the ticket) is unknown.
 */
const unfit = new WeakSet<pg.PoolClient>();

/** Whether `client` must be closed rather than pooled (see `unfit`). */
export const unfitForReuse = (client: pg.PoolClient): boolean => unfit.has(client);

/**
 * Ends the transaction with COMMIT or ROLLBACK and the cleanup, and on a connection to the backend
 * itself checks the census (exactly the driver's named statements must be there) and keeps the
 * ticket it drew for the next transaction.
 */
async function endTransaction(
  client: pg.PoolClient,
  end: keyof typeof endTexts,
  ending: Ending,
): Promise<pg.QueryResult[]> {
  const results = (await client.query(endTexts[end][ending])) as unknown as pg.QueryResult[];
  if (ending !== 'pooled') takeCensus(client, results[results.length - 1]?.rows[0]);
  return results;
}

/** What the census counted: exactly the driver's named statements keep the connection, with its next ticket. */
function takeCensus(
  client: pg.PoolClient,
  counted: { planted: number | string; named: number | string; ticket?: string; boot_us?: string } | undefined,
): void {
  if (Number(counted?.planted) !== 0 || Number(counted?.named) !== Object.keys(parsedStatements(client)).length) {
    unfit.add(client);
  } else if (counted?.ticket && counted.boot_us) {
    keepTicket(client, { ticket: counted.ticket, bootUs: counted.boot_us });
  }
}

/**
 * A one-statement read's end, which left with its statement: the census and the credential mark as it
 * answered them (the rows are text: the mark's one column, the census's planted, named, ticket, boot).
 */
function tookPipelinedEnd(client: pg.PoolClient, end: PipelinedEnd): { credentialChanged: boolean } {
  const row = end.rows[end.rows.length - 1]?.[0];
  // A missing count is no count ('none' is not a number): the connection is then unfit.
  takeCensus(
    client,
    row && {
      planted: row[0] ?? 'none',
      named: row[1] ?? 'none',
      ticket: row[2] ?? undefined,
      boot_us: row[3] ?? undefined,
    },
  );
  return { credentialChanged: end.rows[0]?.[0]?.[0] === 'on' };
}

/**
 * ROLLBACK and the cleanup, the last word on a transaction that failed; if even that fails, the
 * connection is unfit for reuse (its settings, and the ticket its session holds, were not renewed).
 */
async function rollBack(client: pg.PoolClient, ending: Ending): Promise<void> {
  try {
    await endTransaction(client, 'rollback', ending);
  } catch (error) {
    unfit.add(client);
    throw error;
  }
}

/**
 * BEGIN and the binding the database reports for the transaction (0034's, or on a Citus coordinator the
 * distributed transaction's). If the binding's statement fails after BEGIN took, the connection must not go
 * back to the pool inside that transaction: it is rolled back, or marked unfit when even that fails.
 */
async function beginOn(client: pg.PoolClient, distributed: boolean, readOnly: boolean) {
  try {
    return await (distributed ? beginDistributedBound(client) : beginBound(client, readOnly));
  } catch (error) {
    await client.query('rollback').catch(() => unfit.add(client));
    throw error;
  }
}

/** The process id the server announced at connect (BackendKeyData); a pooler announces one of its own. */
const backendPid = (client: pg.PoolClient): number | undefined => (client as { processID?: number }).processID;

export interface TenantConnection {
  client: pg.PoolClient;
  drizzle: DrizzleParts;
}

export interface WithTenantSettings {
  key: ContextKey;
  limits: TransactionLimits;
  /** Whether the database issues tickets (migration 0060; never on Citus), so BEGIN can leave with the context. */
  tickets: boolean;
  /**
   * Whether the database is a Citus coordinator (migration 0069, {@link isDistributed}): each
   * transaction is bound to its distributed transaction, with no tickets, and its context is set
   * with `SET LOCAL`, which Citus carries to the workers.
   */
  distributed: boolean;
  /**
   * Test-only: refuse a statement that scans a tenant table without `tenant_id = $n` bound to the
   * transaction's tenant (routing-check.ts), so a query added without `sameTenant` fails its tests.
   */
  checkTenantRouting?: boolean;
  /** Called after a commit that changed a credential of the tenant (before the caller sees the result). */
  onCredentialChange: (tenantId: string) => void;
}

export interface WithTenantOptions {
  /**
   * `fn` runs one statement, a read: the transaction begins READ ONLY (but on a Citus coordinator), and
   * on a connection that holds a ticket its end (COMMIT and the connection's cleanup) leaves with that
   * statement, so the whole transaction is one round trip. A second statement is refused there (its
   * transaction has ended). Lost after an answer, it runs again once on another connection.
   */
  oneRead?: boolean;
}

/**
 * Whether the transaction is READ ONLY: a one-statement read's is, but on a Citus coordinator, where BEGIN
 * must let Citus assign the distributed transaction. Lost even after it answered, such a transaction can
 * be run again: nothing it did can have stayed.
 */
export const readsOnly = (options: WithTenantOptions, settings: Pick<WithTenantSettings, 'distributed'>): boolean =>
  options.oneRead === true && !settings.distributed;

export const assertTenantId = (tenantId: string): void => {
  if (!tenantIdPattern.test(tenantId)) {
    throw new DbError('INVALID_TENANT_ID', `"${tenantId}" is not a valid tenant id`);
  }
};

/**
 * Runs `fn` in one transaction whose row policies see only `tenantId`.
 *
 * Right after BEGIN it sets a tenant context signed now, transaction-local
 * (`set_config(..., true)`, so a pooled connection never carries it into
 * the next checkout, and PgBouncer in transaction mode passes it), and
 * names the tenant, the actor, its role, the request id and IP. The
 * policies trust only that signature (platform.verified_context), so no
 * statement inside `fn`, injected or careless, can switch the tenant with
 * set_config, SET or RESET, nor forge the actor the audit trail records.
 * The transaction commits when `fn` resolves and rolls back when it throws
 * (the error is rethrown). A nested call for the same tenant runs in a
 * savepoint; a nested call for another tenant is refused.
 *
 * `fn` may run again on another connection when the one it was given is
 * lost and nothing of the transaction can have stayed: the server
 * acknowledged nothing on it (a pooled connection the server had closed
 * while idle), or the transaction is a one-statement read
 * (Database#onClientOf); not once `fn` has reached the database through
 * another connection. What else `fn` does should bear running again.
 *
 * @example
 * const skill = await db.withTenant(tenantId, actor, (tx) =>
 *   tx.select().from(skills).where(eq(skills.slug, 'code-review')));
 */
export async function withTenantOn<T>(
  connection: TenantConnection,
  settings: WithTenantSettings,
  tenantId: string,
  actor: RequestActor,
  fn: (tx: TenantTx) => Promise<T>,
  options: WithTenantOptions = {},
): Promise<T> {
  assertTenantId(tenantId);
  const { client, drizzle } = connection;
  // The context is signed for this transaction alone (migration 0034), so none can be copied to another:
  // for the ticket the connection's last transaction drew, where it holds one, and BEGIN leaves with the
  // context; else for the backend and start time BEGIN reports first, in a round trip of its own; on a Citus
  // coordinator for the distributed transaction BEGIN's round trip has Citus assign (0069), which the workers check.
  const readOnly = readsOnly(options, settings);
  const ticket = takeTicket(client, backendPid(client));
  const binding = ticket ?? (await beginOn(client, settings.distributed, readOnly));
  const { connection: contextFirst, session } = drizzle.sessionOn(client);
  // The context leaves with the transaction's first statement, in its round trip (ContextFirstClient).
  // Statements are prepared once per connection where the connection is the backend itself; behind a
  // transaction-mode pooler (another backend each transaction, its process id not the one the client was
  // told) they go unnamed, and no ticket is ever drawn.
  const direct = binding.pid === backendPid(client);
  const ending: Ending = !direct ? 'pooled' : settings.tickets ? 'ticketed' : 'direct';
  // A one-statement read whose BEGIN leaves with it (the connection holds a ticket) takes its end along too.
  const endWithStatement = options.oneRead === true && ticket !== undefined && ending === 'ticketed';
  contextFirst.holdContext(
    settings.distributed
      ? tenantContextSetLocal(settings.key, tenantId, actor, settings.limits, binding)
      : {
          ...(direct ? { name: 'skillhub.set-tenant-context' } : {}),
          ...tenantContextQuery(settings.key, tenantId, actor, settings.limits, binding),
          ...(ticket ? { begin: true, readOnly } : {}),
        },
    direct,
    settings.checkTenantRouting ? tenantId : undefined,
    endWithStatement ? endStatements.commit.ticketed : undefined,
  );
  const tx = new NodePgTransaction(drizzle.dialect, session, drizzle.schema) as TenantTx;
  let result: T;
  try {
    const connection = async () => {
      await contextFirst.sendHeldContext();
      return client;
    };
    result = await runInScope({ tenantId, actor, tx, connection }, () => fn(tx));
  } catch (error) {
    const ended = contextFirst.takeEnd();
    // Committed and cleaned up with its statement: nothing is left to roll back.
    if (ended?.ended) tookPipelinedEnd(client, ended);
    else if (contextFirst.dropContext() && ticket) keepTicket(client, ticket);
    // A ROLLBACK that fails too (the connection was lost) leaves the connection unfit; `error` says what happened.
    else await rollBack(client, ending).catch(() => undefined);
    throw error;
  }
  const ended = contextFirst.takeEnd();
  if (ended) {
    // The statement answered, so PostgreSQL ran its end too; were it otherwise, roll back to be sure.
    if (!ended.ended) await rollBack(client, ending);
    else if (tookPipelinedEnd(client, ended).credentialChanged) settings.onCredentialChange(tenantId);
    return result;
  }
  // With a ticket and no statement run, BEGIN was never sent: nothing to end, and the ticket is still unused.
  if (contextFirst.dropContext() && ticket) {
    keepTicket(client, ticket);
    return result;
  }
  let committed: pg.QueryResult[];
  try {
    committed = await endTransaction(client, 'commit', ending);
  } catch (error) {
    // `fn` caught a failed statement and went on: the transaction is aborted, the select refused, and
    // COMMIT never ran. ROLLBACK ends it, as the plain COMMIT that ran here before did.
    if ((error as { code?: string }).code === '25P02') {
      await rollBack(client, ending);
      return result;
    }
    // A failed COMMIT has ended the transaction already; this only makes sure, and cleans up.
    await rollBack(client, ending);
    throw error;
  }
  if (committed[0]?.rows[0]?.changed === 'on') settings.onCredentialChange(tenantId);
  return result;
}

/** A nested withTenant: a savepoint in the enclosing transaction, for the same tenant only. */
export function withTenantNested<T>(tenantId: string, fn: (tx: TenantTx) => Promise<T>): Promise<T> | undefined {
  const outer = currentScope();
  if (!outer) return undefined;
  assertTenantId(tenantId);
  if (outer.tenantId !== tenantId) {
    throw new DbError(
      'TENANT_MISMATCH',
      `withTenant(${tenantId}) was called inside withTenant(${outer.tenantId}); one transaction serves one tenant`,
    );
  }
  return outer.tx.transaction((savepoint) => runInScope({ ...outer, tx: savepoint }, () => fn(savepoint)));
}
