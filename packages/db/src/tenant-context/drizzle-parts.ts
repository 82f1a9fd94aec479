import { createTableRelationsHelpers, extractTablesRelationalConfig, type TablesRelationalConfig } from 'drizzle-orm';
import { NodePgSession } from 'drizzle-orm/node-postgres';
import { PgDialect } from 'drizzle-orm/pg-core';
import type pg from 'pg';
import * as schema from '../schema/index.ts';

/**
 * What Drizzle builds a transaction from, made once: the dialect, the
 * relational schema and one session per pooled connection. withTenant
 * opens and commits its transactions itself (its COMMIT also reads whether
 * a credential changed) and hands `fn` a Drizzle transaction on that
 * connection, which Drizzle's own transaction() does not allow.
 */
export class DrizzleParts {
  readonly dialect = new PgDialect();
  readonly schema: { fullSchema: typeof schema; schema: TablesRelationalConfig; tableNamesMap: Record<string, string> };
  readonly #sessions = new WeakMap<pg.PoolClient, NodePgSession<typeof schema, TablesRelationalConfig>>();

  constructor() {
    const tables = extractTablesRelationalConfig(schema, createTableRelationsHelpers);
    this.schema = { fullSchema: schema, schema: tables.tables, tableNamesMap: tables.tableNamesMap };
  }

  sessionOn(client: pg.PoolClient): NodePgSession<typeof schema, TablesRelationalConfig> {
    let session = this.#sessions.get(client);
    if (!session) {
      session = new NodePgSession(client, this.dialect, this.schema);
      this.#sessions.set(client, session);
    }
    return session;
  }
}
