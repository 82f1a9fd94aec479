import pg from 'pg';

/**
 * A statement as node-postgres takes it: text, bind values, and a name when it is prepared once per
 * connection; `begin` when BEGIN is to go before it in the same write (the transaction is not open yet);
 * `alone` when it is several statements (a simple query), which no pipeline can carry.
 */
export interface ContextStatement {
  text: string;
  values: string[];
  name?: string;
  begin?: boolean;
  /** BEGIN READ ONLY: a one-statement read, whose end leaves with it ({@link PipelinedEnd}). */
  readOnly?: boolean;
  alone?: boolean;
}

/**
 * A transaction's end sent behind its one statement, before the same Sync: statements without
 * parameters (the mark read, COMMIT, the connection's cleanup), whose rows are kept here as text, one
 * list per statement. PostgreSQL skips them if anything before them fails, so `ended` is true only when
 * the last one completed.
 */
export interface PipelinedEnd {
  texts: readonly string[];
  rows: (string | null)[][][];
  ended: boolean;
}

/** The BEGIN a context statement asks to be sent before it. */
export const beginText = (context: Pick<ContextStatement, 'readOnly'>): string =>
  context.readOnly ? 'begin read only' : 'begin';

/** node-postgres' protocol writer, as far as this module writes to it. */
interface ProtocolWriter {
  parsedStatements: Record<string, string>;
  parse(message: { text: string; name?: string }): void;
  bind(message: { statement?: string; values: string[] }): void;
  execute(message: { portal?: string }): void;
  sync(): void;
}

/** The parts of node-postgres' Query this subclass calls or overrides (not in its published types). */
interface QueryInternals {
  prepare(connection: ProtocolWriter): void;
  _getRows(connection: ProtocolWriter, rows: number | undefined): void;
  handleDataRow(message: unknown): void;
  handleCommandComplete(message: unknown, connection: ProtocolWriter): void;
}

const QueryBase = pg.Query as unknown as new (
  config: pg.QueryConfig & { rowMode?: string },
  values?: unknown[],
) => QueryInternals & pg.Query;

/**
 * A transaction's first statement, sent in one write and one round trip
 * with the tenant context statement before it (and BEGIN before that, when
 * the context says so): Parse/Bind/Execute of each, then the statement's own
 * Parse/Bind/Describe/Execute, one Sync. PostgreSQL runs them in order and,
 * if BEGIN or the context statement fails, skips everything up to the Sync,
 * so the statement never runs without its context. Their rows and
 * CommandCompletes come first and are not part of the result. A one-statement
 * read also carries its transaction's end behind the statement
 * ({@link PipelinedEnd}), so BEGIN, the context, the statement, COMMIT and the
 * connection's cleanup take one round trip.
 *
 * `onContextParsed` is called once the context statement is known to be
 * parsed under its name (its own CommandComplete arrived), so the caller can
 * skip the Parse next time on this connection; {@link contextRan} tells,
 * after a failure, whether the context statement had completed.
 */
export class ContextFirstQuery extends QueryBase {
  #context: ContextStatement;
  #contextParse: boolean;
  #onContextParsed: () => void;
  /** BEGIN (when sent) and the context statement: their CommandCompletes not yet seen. */
  #leadingPending: number;
  #end: PipelinedEnd | undefined;
  /** Whether the statement itself completed; the end's statements come after it. */
  #statementDone = false;
  #endDone = 0;

  constructor(
    context: ContextStatement,
    contextParse: boolean,
    onContextParsed: () => void,
    config: pg.QueryConfig & { rowMode?: string },
    values: unknown[],
    end?: PipelinedEnd,
  ) {
    super(config, values);
    this.#context = context;
    this.#contextParse = contextParse;
    this.#onContextParsed = onContextParsed;
    this.#leadingPending = context.begin ? 2 : 1;
    this.#end = end;
  }

  get contextRan(): boolean {
    return this.#leadingPending === 0;
  }

  override prepare(connection: ProtocolWriter): void {
    const context = this.#context;
    if (context.begin) {
      connection.parse({ text: beginText(context) });
      connection.bind({ values: [] });
      connection.execute({});
    }
    if (this.#contextParse) connection.parse({ text: context.text, ...(context.name ? { name: context.name } : {}) });
    connection.bind({ ...(context.name ? { statement: context.name } : {}), values: context.values });
    connection.execute({});
    super.prepare(connection);
  }

  /** The statement's Execute, then the end's statements (when it carries them), then the one Sync. */
  override _getRows(connection: ProtocolWriter, rows: number | undefined): void {
    const end = this.#end;
    if (!end || rows) {
      super._getRows(connection, rows);
      return;
    }
    connection.execute({});
    for (const text of end.texts) {
      connection.parse({ text });
      connection.bind({ values: [] });
      connection.execute({});
    }
    connection.sync();
  }

  override handleDataRow(message: { fields: (string | null)[] }): void {
    if (this.#leadingPending > 0) return;
    if (this.#statementDone) this.#end?.rows[this.#endDone]?.push(message.fields);
    else super.handleDataRow(message);
  }

  override handleCommandComplete(message: unknown, connection: ProtocolWriter): void {
    if (this.#leadingPending > 0) {
      this.#leadingPending -= 1;
      if (this.#leadingPending === 0 && this.#contextParse && this.#context.name) this.#onContextParsed();
      return;
    }
    if (this.#statementDone && this.#end) {
      this.#endDone += 1;
      this.#end.ended = this.#endDone === this.#end.texts.length;
      return;
    }
    this.#statementDone = true;
    super.handleCommandComplete(message, connection);
  }
}

/** Whether node-postgres sends this statement with the extended protocol, the only one a pipeline can follow. */
export const usesExtendedProtocol = (config: pg.QueryConfig, values: unknown[] | undefined): boolean =>
  Boolean(config.name) || (values ?? config.values ?? []).length > 0;
