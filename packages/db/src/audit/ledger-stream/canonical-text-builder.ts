/**
 * An event's canonical text (`audit.canonical_text`, migration 0046: the
 * text sealing hashed) built in Node, byte for byte, from the event's
 * columns as a binary COPY sends them, so that PostgreSQL only reads and
 * sends (printing each text cost it more than anything else verification
 * does). `audit.canonical_text` prints `jsonb_build_array(…)` of 18 values
 * (20 with a personal-data envelope); jsonb prints an array as "[", its
 * elements joined by ", ", "]", and each element as follows:
 *
 * - a string (id, txid as text, tenant, actor, action, resource, ip as
 *   `inet::text`, request, operation, table, subject) as JSON with
 *   `escape_json`'s escapes: `\"`, `\\`, `\b \f \n \r \t`, any other byte
 *   below 0x20 as `\u00xx` (lower-case hex), every other byte as it is;
 *   NULL as `null`;
 * - seq, an int8, as its decimal digits;
 * - metadata, old and new record and the envelope, jsonb values, as jsonb
 *   prints them on their own (the binary COPY sends that text after a
 *   version byte): a nested value prints the same;
 * - changed fields, a text[], as a JSON array of strings (nested arrays for
 *   more dimensions, `null` for a NULL element);
 * - created_at as `to_char(created_at at time zone 'UTC',
 *   'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`, a string; `null` for ±infinity,
 *   for which to_char returns NULL.
 *
 * `canonical-text-builder.test.ts` holds this to `audit.canonical_text`
 * over random and hostile values, and `canonical-text.test.ts` over every
 * kind of event the product writes.
 */

/** Where each of an event's columns is in a binary COPY row (indexes into the row's fields). */
export interface EventFields {
  id: number;
  txid: number;
  seq: number;
  tenantId: number;
  actorType: number;
  actorId: number;
  action: number;
  resourceType: number;
  resourceId: number;
  ipText: number;
  requestId: number;
  metadata: number;
  operation: number;
  tableName: number;
  oldRecord: number;
  newRecord: number;
  changedFields: number;
  createdAt: number;
  personal: number;
  subjectId: number;
}

const hex = Buffer.from('0123456789abcdef', 'latin1');
const comma = 0x2c;
const space = 0x20;
const quote = 0x22;
const nullText = Buffer.from('null', 'latin1');
/** Microseconds from 1970-01-01 to 2000-01-01, PostgreSQL's epoch. */
const postgresEpochDays = 10_957;
const microsPerDay = 86_400_000_000;

/**
 * Writes events' canonical texts from binary COPY rows whose columns are
 * at `fields`.
 */
export class CanonicalTextWriter {
  readonly #fields: EventFields;
  /** The plain string columns between seq and metadata, in canonical order. */
  readonly #strings: number[];
  readonly #jsonb: number[];
  readonly #escaped: number[];

  constructor(fields: EventFields) {
    this.#fields = fields;
    this.#strings = [
      fields.tenantId,
      fields.actorType,
      fields.actorId,
      fields.action,
      fields.resourceType,
      fields.resourceId,
      fields.ipText,
      fields.requestId,
    ];
    this.#jsonb = [fields.metadata, fields.oldRecord, fields.newRecord, fields.personal];
    this.#escaped = [...this.#strings, fields.operation, fields.tableName, fields.subjectId, fields.changedFields];
  }

  /**
   * The most bytes the canonical text of the event at `base` (row index ×
   * columns) can take: strings at worst six bytes per byte (`\u00xx`),
   * jsonb as sent, the rest bounded.
   */
  bound(lengths: Int32Array, base: number): number {
    let bound = 256;
    for (const f of this.#jsonb) bound += Math.max(lengths[base + f] as number, 0);
    for (const f of this.#escaped) bound += Math.max(lengths[base + f] as number, 0) * 6;
    return bound;
  }

  /**
   * Writes the canonical text of the event at `base` into `out` at `at` and
   * returns where it ends. `out` must have `bound()` bytes free from `at`.
   */
  write(bytes: Buffer, starts: Int32Array, lengths: Int32Array, base: number, out: Buffer, at: number): number {
    const fields = this.#fields;
    const strings = this.#strings;
    let p = at;
    out[p++] = 0x5b; // [
    p = writeUuid(bytes, starts[base + fields.id] as number, out, p);
    p = separator(out, p);
    out[p++] = quote;
    p = writeUnsigned64(bytes, starts[base + fields.txid] as number, out, p);
    out[p++] = quote;
    p = separator(out, p);
    p = writeSigned64(bytes, starts[base + fields.seq] as number, out, p);
    for (let i = 0; i < strings.length; i++) {
      const f = base + (strings[i] as number);
      p = writeString(bytes, starts[f] as number, lengths[f] as number, out, separator(out, p));
    }
    let f = base + fields.metadata;
    p = writeJsonb(bytes, starts[f] as number, lengths[f] as number, out, separator(out, p));
    f = base + fields.operation;
    p = writeString(bytes, starts[f] as number, lengths[f] as number, out, separator(out, p));
    f = base + fields.tableName;
    p = writeString(bytes, starts[f] as number, lengths[f] as number, out, separator(out, p));
    f = base + fields.oldRecord;
    p = writeJsonb(bytes, starts[f] as number, lengths[f] as number, out, separator(out, p));
    f = base + fields.newRecord;
    p = writeJsonb(bytes, starts[f] as number, lengths[f] as number, out, separator(out, p));
    f = base + fields.changedFields;
    p = separator(out, p);
    p = (lengths[f] as number) < 0 ? writeNull(out, p) : writeTextArray(bytes, starts[f] as number, out, p);
    p = writeTimestamp(bytes, starts[base + fields.createdAt] as number, out, separator(out, p));
    f = base + fields.personal;
    if ((lengths[f] as number) >= 0) {
      p = writeJsonb(bytes, starts[f] as number, lengths[f] as number, out, separator(out, p));
      f = base + fields.subjectId;
      p = writeString(bytes, starts[f] as number, lengths[f] as number, out, separator(out, p));
    }
    out[p++] = 0x5d; // ]
    return p;
  }
}

function separator(out: Buffer, p: number): number {
  out[p] = comma;
  out[p + 1] = space;
  return p + 2;
}

function writeNull(out: Buffer, p: number): number {
  nullText.copy(out, p);
  return p + 4;
}

/** A uuid's 16 bytes as JSON: its lower-case text form, quoted. */
function writeUuid(bytes: Buffer, start: number, out: Buffer, p: number): number {
  out[p++] = quote;
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) out[p++] = 0x2d;
    const b = bytes[start + i] as number;
    out[p++] = hex[b >> 4] as number;
    out[p++] = hex[b & 15] as number;
  }
  out[p++] = quote;
  return p;
}

/** A string field (UTF-8, or -1 for NULL) as `escape_json` prints it, or `null`. */
function writeString(bytes: Buffer, start: number, length: number, out: Buffer, p: number): number {
  if (length < 0) return writeNull(out, p);
  out[p++] = quote;
  const end = start + length;
  for (let i = start; i < end; i++) {
    const c = bytes[i] as number;
    if (c >= 0x20 && c !== quote && c !== 0x5c) {
      out[p++] = c;
      continue;
    }
    out[p++] = 0x5c;
    switch (c) {
      case 0x08:
        out[p++] = 0x62; // b
        break;
      case 0x0c:
        out[p++] = 0x66; // f
        break;
      case 0x0a:
        out[p++] = 0x6e; // n
        break;
      case 0x0d:
        out[p++] = 0x72; // r
        break;
      case 0x09:
        out[p++] = 0x74; // t
        break;
      case quote:
      case 0x5c:
        out[p++] = c;
        break;
      default:
        out[p++] = 0x75; // u00xx
        out[p++] = 0x30;
        out[p++] = 0x30;
        out[p++] = hex[c >> 4] as number;
        out[p++] = hex[c & 15] as number;
    }
  }
  out[p++] = quote;
  return p;
}

/** A jsonb field: its version byte (1) and the text jsonb prints, copied as is; or `null`. */
function writeJsonb(bytes: Buffer, start: number, length: number, out: Buffer, p: number): number {
  if (length < 0) return writeNull(out, p);
  if (bytes[start] !== 1) throw new Error(`jsonb sent in version ${bytes[start]}, not 1`);
  return p + bytes.copy(out, p, start + 1, start + length);
}

/** A text[] in array_send's form as the JSON array to_jsonb makes of it. */
function writeTextArray(bytes: Buffer, start: number, out: Buffer, p: number): number {
  const dimensions = bytes.readInt32BE(start);
  if (dimensions === 0) {
    out[p] = 0x5b;
    out[p + 1] = 0x5d;
    return p + 2;
  }
  const sizes: number[] = [];
  for (let d = 0; d < dimensions; d++) sizes.push(bytes.readInt32BE(start + 12 + d * 8));
  const cursor = { at: start + 12 + dimensions * 8, p };
  writeArrayLevel(bytes, sizes, 0, out, cursor);
  return cursor.p;
}

function writeArrayLevel(
  bytes: Buffer,
  sizes: number[],
  level: number,
  out: Buffer,
  cursor: { at: number; p: number },
): void {
  out[cursor.p++] = 0x5b;
  const size = sizes[level] as number;
  for (let i = 0; i < size; i++) {
    if (i > 0) cursor.p = separator(out, cursor.p);
    if (level + 1 < sizes.length) {
      writeArrayLevel(bytes, sizes, level + 1, out, cursor);
      continue;
    }
    const length = bytes.readInt32BE(cursor.at);
    cursor.p = writeString(bytes, cursor.at + 4, length, out, cursor.p);
    cursor.at += 4 + Math.max(length, 0);
  }
  out[cursor.p++] = 0x5d;
}

/** An unsigned 64-bit big-endian integer (xid8) in decimal. */
function writeUnsigned64(bytes: Buffer, start: number, out: Buffer, p: number): number {
  const high = bytes.readUInt32BE(start);
  if (high < 0x200000) return writeDigits(out, p, high * 0x100000000 + bytes.readUInt32BE(start + 4), 1);
  return p + out.write(bytes.readBigUInt64BE(start).toString(), p, 'latin1');
}

/** A signed 64-bit big-endian integer (int8) in decimal. */
function writeSigned64(bytes: Buffer, start: number, out: Buffer, p: number): number {
  const high = bytes.readInt32BE(start);
  if (high >= 0 && high < 0x200000) return writeDigits(out, p, high * 0x100000000 + bytes.readUInt32BE(start + 4), 1);
  return p + out.write(bytes.readBigInt64BE(start).toString(), p, 'latin1');
}

/** A timestamptz (microseconds since 2000-01-01 UTC) as canonical_text's to_char prints it, quoted; `null` if infinite. */
function writeTimestamp(bytes: Buffer, start: number, out: Buffer, p: number): number {
  const high = bytes.readInt32BE(start);
  let days: number;
  let ofDay: number;
  if (high >= -0x200000 && high < 0x200000) {
    const micros = high * 0x100000000 + bytes.readUInt32BE(start + 4);
    days = Math.floor(micros / microsPerDay);
    ofDay = micros - days * microsPerDay;
  } else {
    const micros = bytes.readBigInt64BE(start);
    if (micros === 0x7fffffffffffffffn || micros === -0x8000000000000000n) return writeNull(out, p);
    const perDay = BigInt(microsPerDay);
    let whole = micros / perDay;
    if (micros % perDay < 0n) whole -= 1n;
    days = Number(whole);
    ofDay = Number(micros - whole * perDay);
  }
  const [year, month, day] = civilFromDays(days + postgresEpochDays);
  const seconds = Math.floor(ofDay / 1_000_000);
  let q = p;
  out[q++] = quote;
  // to_char's YYYY: at least four digits; a year BC (year <= 0 here) as its number BC.
  q = writeDigits(out, q, year <= 0 ? 1 - year : year, 4);
  out[q++] = 0x2d;
  q = writeDigits(out, q, month, 2);
  out[q++] = 0x2d;
  q = writeDigits(out, q, day, 2);
  out[q++] = 0x54; // T
  q = writeDigits(out, q, Math.floor(seconds / 3600), 2);
  out[q++] = 0x3a;
  q = writeDigits(out, q, Math.floor(seconds / 60) % 60, 2);
  out[q++] = 0x3a;
  q = writeDigits(out, q, seconds % 60, 2);
  out[q++] = 0x2e;
  q = writeDigits(out, q, ofDay % 1_000_000, 6);
  out[q++] = 0x5a; // Z
  out[q++] = quote;
  return q;
}

/** A non-negative integer in decimal, zero-padded to at least `width` digits. */
function writeDigits(out: Buffer, p: number, value: number, width: number): number {
  let digits = 1;
  for (let v = value; v >= 10; v = Math.floor(v / 10)) digits++;
  const length = Math.max(digits, width);
  let v = value;
  for (let i = length - 1; i >= 0; i--) {
    out[p + i] = 0x30 + (v % 10);
    v = Math.floor(v / 10);
  }
  return p + length;
}

/** Proleptic Gregorian (year, month, day) of a count of days since 1970-01-01 (H. Hinnant's civil_from_days). */
function civilFromDays(daysSince1970: number): [number, number, number] {
  const z = daysSince1970 + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day];
}
