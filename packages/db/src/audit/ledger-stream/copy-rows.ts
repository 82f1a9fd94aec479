import { finished as streamFinished } from 'node:stream/promises';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';

/** One row of a COPY in text format: each column's text, or null for SQL NULL. */
export type CopyRow = (string | null)[];

const newline = 0x0a;

/**
 * Runs `COPY (query) TO STDOUT` (text format) on `client` and yields its
 * rows in batches, as the column texts PostgreSQL's output functions wrote.
 * One round trip, no cursor, no per-row protocol messages: what a cursor
 * fetch costs per row is gone. Memory holds one network chunk and one
 * batch. `query` takes no parameters (COPY has none): the caller inlines
 * validated literals. Stopping early (`break`) drains the rest of the COPY
 * unread, so the connection stays usable for the transaction's next
 * statement.
 */
export async function* copyRows(client: pg.ClientBase, query: string): AsyncGenerator<CopyRow[]> {
  const stream = client.query(copyTo(`copy (${query}) to stdout`));
  // The bytes of a row still being received; joined once its newline arrives (a huge row spans many chunks).
  let pending: Buffer[] = [];
  let finished = false;
  try {
    // Not destroyed when the consumer stops early: destroying a COPY midway would leave the connection
    // waiting for its end. The rest is drained instead (below).
    for await (const chunk of stream.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      // A row never holds a raw newline (COPY escapes it), so the chunk's last one ends the complete rows.
      const end = chunk.lastIndexOf(newline);
      if (end < 0) {
        pending.push(chunk);
        continue;
      }
      const complete =
        pending.length > 0 ? Buffer.concat([...pending, chunk.subarray(0, end)]) : chunk.subarray(0, end);
      pending = end + 1 < chunk.length ? [chunk.subarray(end + 1)] : [];
      yield complete.toString('utf8').split('\n').map(splitRow);
    }
    if (pending.length > 0) yield [splitRow(Buffer.concat(pending).toString('utf8'))];
    finished = true;
  } finally {
    if (!finished) {
      stream.resume();
      await streamFinished(stream);
    }
  }
}

function splitRow(line: string): CopyRow {
  const fields: CopyRow = line.split('\t');
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i] as string;
    if (field.includes('\\')) fields[i] = field === '\\N' ? null : unescapeCopyText(field);
  }
  return fields;
}

const simpleEscapes: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/** Undoes COPY's text-format escaping: backslash sequences for control characters, octal and hex bytes. */
export function unescapeCopyText(field: string): string {
  return field.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/g, (_, code: string) => {
    if (code[0] === 'x' && code.length > 1) return String.fromCharCode(Number.parseInt(code.slice(1), 16));
    if (code >= '0' && code <= '7') return String.fromCharCode(Number.parseInt(code, 8));
    return simpleEscapes[code] ?? code;
  });
}
