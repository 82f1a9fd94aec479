import { createTableRelationsHelpers, extractTablesRelationalConfig, type TablesRelationalConfig } from 'drizzle-orm';
import { NodePgSession } from 'drizzle-orm/node-postgres';
import { PgDialect } from 'drizzle-orm/pg-core';
import type pg from 'pg';
import * as schema from '../schema/index.ts';
import { ContextFirstClient } from './context-first-client.ts';

type TenantSession = NodePgSession<typeof schema, TablesRelationalConfig>;

/** A pooled connection's Drizzle session, on the connection as a tenant transaction sees it. */
export interface TransactionSession {
  connection: ContextFirstClient;
  session: TenantSession;
}

/**
 * What Drizzle builds a transaction from, made once: the dialect, the
 * relational schema and one session per pooled connection. withTenant
 * opens and commits its transactions itself (its COMMIT also reads whether
 * a credential changed) and hands `fn` a Drizzle transaction on that
 * connection, which Drizzle's own transaction() does not allow. The
 * session talks to the connection through a {@link ContextFirstClient}, so
 * the first statement of a transaction carries its tenant context along.
 */
export class DrizzleParts {
  readonly dialect = new PgDialect();
  readonly schema: { fullSchema: typeof schema; schema: TablesRelationalConfig; tableNamesMap: Record<string, string> };
  readonly #sessions = new WeakMap<pg.PoolClient, TransactionSession>();

  constructor() {
    const tables = extractTablesRelationalConfig(schema, createTableRelationsHelpers);
    this.schema = { fullSchema: schema, schema: tables.tables, tableNamesMap: tables.tableNamesMap };
  }

  sessionOn(client: pg.PoolClient): TransactionSession {
    let made = this.#sessions.get(client);
    if (!made) {
      const connection = new ContextFirstClient(client);
      // Drizzle's session only ever calls query() on its client, which is all ContextFirstClient offers.
      made = {
        connection,
        session: new NodePgSession(connection as unknown as pg.PoolClient, this.dialect, this.schema),
      };
      this.#sessions.set(client, made);
    }
    return made;
  }
}
