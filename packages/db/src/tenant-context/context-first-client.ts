import type pg from 'pg';
import { ContextFirstQuery, type ContextStatement, usesExtendedProtocol } from './context-first-query.ts';

type QueryInput = pg.QueryConfig & { rowMode?: string };

/** node-postgres' per-connection record of the statements it has parsed under a name (not in its published types). */
const parsedStatements = (client: pg.PoolClient): Record<string, string> =>
  (client as unknown as { connection: { parsedStatements: Record<string, string> } }).connection.parsedStatements;

/**
 * A pooled connection as withTenant's Drizzle session sees it. withTenant
 * hands it the transaction's context statement after BEGIN has answered;
 * the transaction's first statement takes the context along in the same
 * write and round trip ({@link ContextFirstQuery}), so a read costs BEGIN,
 * the statement and COMMIT, not a round trip more for the context. A first
 * statement node-postgres sends with the simple protocol (no parameters: a
 * savepoint, a statement without values) cannot follow a pipeline: the
 * context goes first, in its own round trip, then the statement.
 */
export class ContextFirstClient {
  readonly client: pg.PoolClient;
  #pending: ContextStatement | undefined;
  /**
   * False once a pipelined context failed before it completed: whether its Parse took on the server is
   * then unknown, so this connection sends the context unnamed from then on rather than risk parsing a
   * name twice.
   */
  #nameUsable = true;

  constructor(client: pg.PoolClient) {
    this.client = client;
  }

  /** The context of the transaction just begun, to leave with its first statement. */
  holdContext(statement: ContextStatement): void {
    this.#pending = this.#nameUsable ? statement : { text: statement.text, values: statement.values };
  }

  /** Drops a context no statement took (the transaction ran none). */
  dropContext(): void {
    this.#pending = undefined;
  }

  /** What Drizzle's session calls for every statement. */
  query(config: QueryInput | string, values?: unknown[]): Promise<pg.QueryResult> {
    const input: QueryInput = typeof config === 'string' ? { text: config } : config;
    const context = this.#pending;
    if (!context) return this.client.query(input, values);
    this.#pending = undefined;
    if (!usesExtendedProtocol(input, values)) {
      return this.client.query(context).then(() => this.client.query(input, values));
    }
    const known = parsedStatements(this.client);
    const parse = !context.name || known[context.name] !== context.text;
    return new Promise((resolve, reject) => {
      const query = new ContextFirstQuery(
        context,
        parse,
        () => {
          if (context.name) known[context.name] = context.text;
        },
        input,
        values ?? input.values ?? [],
      );
      (query as unknown as { callback: (error: Error | null, result: pg.QueryResult) => void }).callback = (
        error,
        result,
      ) => {
        if (!error) return resolve(result);
        if (parse && context.name && !query.contextRan) this.#nameUsable = false;
        reject(error);
      };
      this.client.query(query);
    });
  }
}
