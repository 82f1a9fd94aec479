import { createHash } from 'node:crypto';
import type pg from 'pg';
import {
  beginText,
  ContextFirstQuery,
  type ContextStatement,
  type PipelinedEnd,
  usesExtendedProtocol,
} from './context-first-query.ts';
import { assertTenantRouted } from './routing-check.ts';

type QueryInput = pg.QueryConfig & { rowMode?: string };

/**
 * How many statements one connection keeps prepared; past it, statements go unnamed (parsed and planned
 * each time). Kept small because every transaction's end lists the session's prepared statements (the
 * census in with-tenant.ts), at a few µs per statement: with 150 named on each connection, as on a server
 * that has served varied traffic, the census took 470 µs of every read (`bench:api --varied-statements`).
 */
export const preparedPerConnection = 16;

/**
 * Uses of a statement's text in this process before connections prepare it under a name: a statement
 * that runs once or twice is cheaper planned than listed by every later census on its connection, so the
 * few places go to the statements that keep coming back.
 */
export const usesBeforeNaming = 5;

/** How many statement texts are counted (names at most 63 bytes); texts past it always go unnamed. */
const statementsCounted = 1024;

/** Statement texts, their names (the same on every connection) and how often this process has run them. */
const statementUses = new Map<string, { name: string; uses: number }>();

/** The name `text` goes by once it is hot (run {@link usesBeforeNaming} times), or undefined until then. */
function hotStatementName(text: string): string | undefined {
  let counted = statementUses.get(text);
  if (!counted) {
    if (statementUses.size >= statementsCounted) return undefined;
    counted = { name: `skillhub.${createHash('sha1').update(text).digest('hex')}`, uses: 0 };
    statementUses.set(text, counted);
  }
  counted.uses += 1;
  return counted.uses >= usesBeforeNaming ? counted.name : undefined;
}

/** node-postgres' per-connection record of the statements it has parsed under a name (not in its published types). */
export const parsedStatements = (client: pg.PoolClient): Record<string, string> =>
  (client as unknown as { connection: { parsedStatements: Record<string, string> } }).connection.parsedStatements;

/**
 * A pooled connection as withTenant's Drizzle session sees it. withTenant
 * hands it the transaction's context statement, after BEGIN has answered or,
 * where the connection holds a ticket (migration 0060), with BEGIN still to
 * send; the transaction's first statement takes them along in the same
 * write and round trip ({@link ContextFirstQuery}), so a read costs the
 * statement and COMMIT, not a round trip more for BEGIN or the context. A first
 * statement node-postgres sends with the simple protocol (no parameters: a
 * savepoint, a statement without values) cannot follow a pipeline: the
 * context goes first, in its own round trip, then the statement; so does a
 * context of several statements (`alone`: the `SET LOCAL`s of a Citus
 * coordinator).
 *
 * Where the connection is the backend itself (not a transaction-mode
 * pooler, which hands each transaction another backend), hot statements
 * with parameters are also prepared under a name derived from their text,
 * so they are parsed and planned once per connection, not on every
 * request: row policies make the plans of even small statements costly
 * (a rating's UPDATE planned in 0.4 ms). At most {@link preparedPerConnection}
 * per connection, each only once this process has run it
 * {@link usesBeforeNaming} times. PostgreSQL re-plans a prepared
 * statement when a table, policy or setting it depends on changes. SQL
 * could drop one and PREPARE its own under the name; withTenant's cleanup
 * counts the session's statements after every transaction and closes a
 * connection whose count is not the driver's.
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
  /** Whether this transaction runs on the backend the connection was opened to (see withTenant). */
  #direct = false;
  #prepared = 0;
  /** The tenant every statement must name (test-only, `checkTenantRouting`); undefined when unchecked. */
  #routedTenant: string | undefined;
  /** The end of a one-statement read, to leave with its statement; then what it answered, once sent. */
  #end: PipelinedEnd | undefined;
  #endSent = false;

  constructor(client: pg.PoolClient) {
    this.client = client;
  }

  /**
   * The context of the transaction just begun, to leave with its first statement; `direct` when the
   * transaction runs on the connection's own backend, where named statements stay.
   */
  holdContext(statement: ContextStatement, direct: boolean, routedTenant?: string, end?: readonly string[]): void {
    this.#direct = direct;
    this.#routedTenant = routedTenant;
    this.#pending = direct && this.#nameUsable ? statement : { ...statement, name: undefined };
    this.#end = end ? { texts: end, rows: end.map(() => []), ended: false } : undefined;
    this.#endSent = false;
  }

  /**
   * The transaction's end that left with its one statement, and what it answered; undefined when none
   * left (no statement ran, or the first could not carry it), and the caller ends the transaction itself.
   */
  takeEnd(): PipelinedEnd | undefined {
    const end = this.#endSent ? this.#end : undefined;
    this.#end = undefined;
    return end;
  }

  /** Sends the held context now, alone: for what goes to the connection past this client (COPY). */
  async sendHeldContext(): Promise<void> {
    const context = this.#pending;
    if (!context) return;
    this.#pending = undefined;
    await this.#sendAlone(context);
  }

  /** Drops a context no statement took; true when there was one (the transaction ran no statement). */
  dropContext(): boolean {
    const held = this.#pending !== undefined;
    this.#pending = undefined;
    if (!this.#endSent) this.#end = undefined;
    return held;
  }

  /** The context alone, with BEGIN in the same round trip when it asks for it. */
  async #sendAlone({ begin, readOnly, ...context }: ContextStatement): Promise<void> {
    if (begin) await this.#pipeline({ text: beginText({ readOnly }), values: [] }, context, context.values);
    else await this.client.query(context);
  }

  /** What Drizzle's session calls for every statement. */
  query(config: QueryInput | string, values?: unknown[]): Promise<pg.QueryResult> {
    if (this.#endSent) {
      // Its transaction has ended: the statement would run outside it, under no context.
      return Promise.reject(new Error('a one-statement read ran a second statement; use withTenant for more'));
    }
    if (this.#routedTenant !== undefined) {
      const text = typeof config === 'string' ? config : config.text;
      try {
        assertTenantRouted(
          text,
          values ?? (typeof config === 'string' ? [] : (config.values ?? [])),
          this.#routedTenant,
        );
      } catch (error) {
        return Promise.reject(error);
      }
    }
    const input = this.#prepare(typeof config === 'string' ? { text: config } : config, values);
    const context = this.#pending;
    if (!context) return this.client.query(input, values);
    this.#pending = undefined;
    if (context.alone || !usesExtendedProtocol(input, values)) {
      this.#end = undefined; // the caller ends the transaction itself
      return this.#sendAlone(context).then(() => this.client.query(input, values));
    }
    this.#endSent = this.#end !== undefined;
    return this.#pipeline(context, input, values ?? input.values ?? [], this.#end);
  }

  /** `context` (and BEGIN, when it asks), then `input` (and the transaction's `end`, when given), in one write and one round trip. */
  #pipeline(
    context: ContextStatement,
    input: QueryInput,
    values: unknown[],
    end?: PipelinedEnd,
  ): Promise<pg.QueryResult> {
    const known = parsedStatements(this.client);
    const parse = !context.name || known[context.name] !== context.text;
    // node-postgres records a statement's name as parsed at the first ParseComplete of its round trip,
    // which here is BEGIN's or the context's; if one of those fails, PostgreSQL skips the statement's
    // own Parse, and the record must go.
    const inputParsed = input.name ? known[input.name] : undefined;
    return new Promise((resolve, reject) => {
      const query = new ContextFirstQuery(
        context,
        parse,
        () => {
          if (context.name) known[context.name] = context.text;
        },
        input,
        values,
        end,
      );
      (query as unknown as { callback: (error: Error | null, result: pg.QueryResult) => void }).callback = (
        error,
        result,
      ) => {
        if (!error) return resolve(result);
        if (!query.contextRan) {
          if (parse && context.name) this.#nameUsable = false;
          if (input.name && inputParsed === undefined) delete known[input.name];
        }
        reject(error);
      };
      this.client.query(query);
    });
  }

  /** The statement under its name, where it is to be prepared on this connection. */
  #prepare(input: QueryInput, values: unknown[] | undefined): QueryInput {
    // Only what goes by the extended protocol already: a name would force it on a text that may hold
    // several statements, which the extended protocol refuses.
    if (!this.#direct || input.name || !usesExtendedProtocol(input, values)) return input;
    const name = hotStatementName(input.text);
    if (!name) return input;
    if (parsedStatements(this.client)[name] === undefined) {
      if (this.#prepared >= preparedPerConnection) return input;
      this.#prepared += 1;
    }
    return { ...input, name };
  }
}
