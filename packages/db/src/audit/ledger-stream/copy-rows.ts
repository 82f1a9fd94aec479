import { finished as streamFinished } from 'node:stream/promises';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';

/** One row of a COPY: each column's bytes, as views into the received chunk (empty for NULL). */
export type CopyRow = Buffer[];

const newline = 0x0a;
/** The column separator: a control character, which no JSON text PostgreSQL prints holds raw. */
const separator = 0x01;

/**
 * Runs `COPY (query) TO STDOUT` on `client` and yields its rows in batches,
 * each column as the bytes PostgreSQL printed, copied nowhere. One round
 * trip, no cursor, no per-row protocol messages or row objects.
 *
 * The format is CSV with control characters as separator (0x01) and quote
 * (0x02): PostgreSQL quotes a CSV value only when it holds the separator,
 * the quote, a carriage return or a newline, so values made of JSON text
 * (which escapes every control character), digits or hex arrive exactly
 * as printed, unescaped. `query` must select only such values (an empty
 * string arrives as two quote bytes) and takes no parameters (COPY has
 * none): the caller inlines validated literals. Only the last of its
 * `columns` may be long: the others are split off first, and the rest of
 * the row is the last one, scanned for no separator.
 *
 * Stopping early (`break`) drains the rest of the COPY unread, so the
 * connection stays usable for the transaction's next statement.
 */
export async function* copyRows(client: pg.ClientBase, query: string, columns: number): AsyncGenerator<CopyRow[]> {
  const stream = client.query(
    copyTo(`copy (${query}) to stdout with (format csv, delimiter e'\\x01', quote e'\\x02')`),
  );
  // The bytes of a row still being received; joined once its newline arrives (a huge row spans many chunks).
  let pending: Buffer[] = [];
  let finished = false;
  try {
    // Not destroyed when the consumer stops early: destroying a COPY midway would leave the connection
    // waiting for its end. The rest is drained instead (below).
    for await (const chunk of stream.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      // The chunk's last newline ends the complete rows (no value holds a raw newline).
      const end = chunk.lastIndexOf(newline);
      if (end < 0) {
        pending.push(chunk);
        continue;
      }
      const rows: CopyRow[] = [];
      let from = 0;
      if (pending.length > 0) {
        // Only the row that spans chunks is copied into one buffer; the rest are views of this chunk.
        const first = chunk.indexOf(newline);
        const spanning = Buffer.concat([...pending, chunk.subarray(0, first + 1)]);
        splitRows(spanning, spanning.length, columns, rows);
        from = first + 1;
      }
      splitRows(chunk.subarray(from, end + 1), end + 1 - from, columns, rows);
      pending = end + 1 < chunk.length ? [chunk.subarray(end + 1)] : [];
      yield rows;
    }
    if (pending.length > 0) {
      const rest = Buffer.concat([...pending, Buffer.of(newline)]);
      yield splitRows(rest, rest.length, columns, []);
    }
    finished = true;
  } finally {
    if (!finished) {
      stream.resume();
      await streamFinished(stream);
    }
  }
}

/** The rows of `bytes[0, length)`, each ended by a newline, split into `columns` at the separator, added to `rows`. */
function splitRows(bytes: Buffer, length: number, columns: number, rows: CopyRow[]): CopyRow[] {
  let start = 0;
  while (start < length) {
    const row: CopyRow = [];
    let from = start;
    for (let column = 1; column < columns; column++) {
      const at = bytes.indexOf(separator, from);
      if (at < 0 || at >= length) throw new Error(`a COPY row has fewer than ${columns} columns`);
      row.push(bytes.subarray(from, at));
      from = at + 1;
    }
    const end = bytes.indexOf(newline, from);
    row.push(bytes.subarray(from, end));
    rows.push(row);
    start = end + 1;
  }
  return rows;
}
