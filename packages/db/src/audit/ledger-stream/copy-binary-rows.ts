import { finished as streamFinished } from 'node:stream/promises';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';

/**
 * Rows of a binary COPY, as they arrived: field `f` of row `r` is
 * `bytes[starts[r * columns + f], + lengths[r * columns + f])`, a length of
 * -1 meaning NULL. Nothing is copied or decoded per field; valid until the
 * next batch.
 */
export interface BinaryRows {
  bytes: Buffer;
  starts: Int32Array;
  lengths: Int32Array;
  count: number;
}

/** PGCOPY\n\377\r\n\0, then a flags word and a header extension length (both 0 from PostgreSQL). */
const headerLength = 19;

/**
 * Runs `COPY (query) TO STDOUT (FORMAT binary)` on `client` and yields its
 * rows in batches, each field as the bytes of its type's send function
 * (`text` and enum values as their UTF-8, `jsonb` as a version byte and its
 * text, integers big-endian, `timestamptz` as microseconds since
 * 2000-01-01). Every field is length-prefixed, so no value is escaped and
 * none is scanned for separators. One round trip, no cursor, no row
 * objects. `query` takes no parameters (COPY has none): the caller inlines
 * validated literals.
 *
 * Stopping early (`break`) drains the rest of the COPY unread, so the
 * connection stays usable for the transaction's next statement.
 */
export async function* copyBinaryRows(
  client: pg.ClientBase,
  query: string,
  columns: number,
): AsyncGenerator<BinaryRows> {
  const stream = client.query(copyTo(`copy (${query}) to stdout with (format binary)`));
  // The bytes of a row still being received, joined once at least `need` bytes are there (a huge row spans many
  // chunks: joined once, not once per chunk).
  let carry: Buffer[] = [];
  let carried = 0;
  let need = 0;
  let headerSeen = false;
  let ended = false;
  let starts = new Int32Array(256 * columns);
  let lengths = new Int32Array(256 * columns);
  let finished = false;
  try {
    for await (const chunk of stream.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      if (ended) continue;
      if (carry.length > 0) {
        carry.push(chunk);
        carried += chunk.length;
        if (carried < need) continue;
      }
      const bytes: Buffer = carry.length > 0 ? Buffer.concat(carry, carried) : chunk;
      carry = [];
      carried = 0;
      need = 0;
      let at = 0;
      if (!headerSeen) {
        if (bytes.length < headerLength) {
          carry = [bytes];
          carried = bytes.length;
          need = headerLength;
          continue;
        }
        at = headerLength + bytes.readInt32BE(15);
        headerSeen = true;
      }
      let count = 0;
      for (;;) {
        if (at + 2 > bytes.length) {
          need = 2;
          break;
        }
        const fields = bytes.readInt16BE(at);
        if (fields === -1) {
          ended = true;
          break;
        }
        if (fields !== columns) throw new Error(`a COPY row has ${fields} columns, not ${columns}`);
        if ((count + 1) * columns > starts.length) {
          const grownStarts = new Int32Array(starts.length * 2);
          grownStarts.set(starts);
          starts = grownStarts;
          const grownLengths = new Int32Array(lengths.length * 2);
          grownLengths.set(lengths);
          lengths = grownLengths;
        }
        const base = count * columns;
        let p = at + 2;
        let complete = true;
        for (let f = 0; f < columns; f++) {
          if (p + 4 > bytes.length) {
            need = p + 4 - at;
            complete = false;
            break;
          }
          const length = bytes.readInt32BE(p);
          p += 4;
          starts[base + f] = p;
          lengths[base + f] = length;
          if (length > 0) p += length;
          if (p > bytes.length) {
            need = p - at;
            complete = false;
            break;
          }
        }
        if (!complete) break;
        at = p;
        count += 1;
      }
      if (!ended && at < bytes.length) {
        carry = [bytes.subarray(at)];
        carried = bytes.length - at;
      } else need = 0;
      if (count > 0) yield { bytes, starts, lengths, count };
    }
    if (carry.length > 0 || !ended) throw new Error('the COPY ended inside a row');
    finished = true;
  } finally {
    if (!finished) {
      stream.resume();
      await streamFinished(stream).catch(() => {});
    }
  }
}
