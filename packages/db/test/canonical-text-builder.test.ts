import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { sealedEvents } from '../src/audit/ledger-stream/sealed-events.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';

/**
 * Verification builds each event's canonical text in Node from the columns
 * a binary COPY sends (ledger-stream/canonical-text-builder.ts); it must be
 * `audit.canonical_text` byte for byte, or an intact ledger would not
 * verify (or a changed one could). Random events with hostile values in
 * every column (control characters, quotes and backslashes, any unicode,
 * numbers jsonb keeps with all their digits, huge exponents, microseconds,
 * years BC and ±infinity, NULL wherever a column allows it, multi-
 * dimensional arrays, 64-bit sequence numbers) are written as the owner,
 * sealed by the real sealer, streamed as verification streams them, and
 * compared with what PostgreSQL prints.
 */
let testDb: TestDatabase;
let owner: pg.Client;
// The system chain's '' prints as null (migration 0070).
const tenants: string[] = [''];
// Each chain's last position already compared (or sealed before the test).
const sealedUpTo = new Map<string, number>();

beforeAll(async () => {
  testDb = await createTestDatabase();
  owner = new pg.Client({ connectionString: testDb.ownerUrl });
  await owner.connect();
  for (const id of ['plain', 'quote " back \\ tab \t ü 😀', 'ctl \u0001\u001f\u007f']) {
    await owner.query('insert into tenants (id, name, slug) values ($1, $2, $3)', [id, 'T', `t-${tenants.length}`]);
    tenants.push(id);
  }
  await owner.query('select audit.seal_pending(100000)');
  const { rows } = await owner.query<{ chain: string; size: string }>(
    'select chain, max(position) as size from audit.seals group by chain',
  );
  for (const row of rows) sealedUpTo.set(row.chain, Number(row.size));
}, 60_000);

afterAll(async () => {
  await owner?.end();
  await testDb?.drop();
});

// Text PostgreSQL can hold: anything but NUL.
const text = fc
  .oneof(
    fc.string({ unit: 'binary', maxLength: 24 }),
    fc.string({
      unit: fc.constantFrom('"', '\\', '\b', '\f', '\n', '\r', '\t', '\u0001', '\u001f', '\u007f', 'é', '\u2028'),
      maxLength: 12,
    }),
    fc.constantFrom('', '\\N', '\\u0000', 'null', '"quoted"'),
  )
  .map((s) => s.replaceAll(String.fromCharCode(0), ''));
const nullable = <T>(value: fc.Arbitrary<T>) => fc.option(value, { nil: null, freq: 4 });
// JSON numbers as jsonb keeps them (numeric: every digit, exponents far beyond a double's).
const number = fc.oneof(
  fc.integer().map(String),
  fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map(String),
  fc
    .tuple(fc.integer({ min: -999, max: 999 }), fc.nat({ max: 999_999 }), fc.integer({ min: -300, max: 999 }))
    .map(([whole, fraction, exponent]) => `${whole}.${String(fraction).padStart(6, '0')}e${exponent}`),
  fc.constantFrom('-0', '0.000', '1e-7', '1e999', '123456789012345678901234567890.000100'),
);
const json: fc.Arbitrary<string> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    text.map((s) => JSON.stringify(s)),
    number,
    fc.constantFrom('true', 'false', 'null'),
    fc.array(tie('value') as fc.Arbitrary<string>, { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
    fc
      .array(fc.tuple(text, tie('value') as fc.Arbitrary<string>), { maxLength: 4 })
      .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
  ),
})).value as fc.Arbitrary<string>;
const ip = fc.oneof(
  fc.ipV4(),
  fc.ipV6(),
  fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([a, bits]) => `${a}/${bits}`),
  fc.constantFrom('::ffff:1.2.3.4', '2001:db8::', '::', '::1/128', '10.0.0.0/8'),
);
const changedFields = fc.oneof(
  fc.array(nullable(text), { maxLength: 4 }),
  // Two dimensions: to_jsonb nests them.
  fc
    .tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }))
    .chain(([rows, cols]) =>
      fc.array(fc.array(nullable(text), { minLength: cols, maxLength: cols }), { minLength: rows, maxLength: rows }),
    ),
);
const createdAt = fc.oneof(
  // Inside the partition that holds everything before the ledger's first month (from minvalue).
  fc
    .bigInt({ min: -211_813_488_000_000_000n + 86_400_000_000n, max: 846_806_400_000_000n })
    .map((us) => `${us}`),
  fc.constantFrom('-infinity', 'now'),
);
const event = fc.record({
  tenant: fc.nat({ max: 3 }),
  actorType: fc.constantFrom('user', 'api_key', 'system'),
  actorId: nullable(text),
  action: text,
  resourceType: nullable(text),
  resourceId: nullable(text),
  ip: nullable(ip),
  requestId: nullable(text),
  metadata: json,
  change: nullable(fc.tuple(fc.constantFrom('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE'), text)),
  oldRecord: nullable(json),
  newRecord: nullable(json),
  changedFields: nullable(changedFields),
  createdAt,
  seq: fc.option(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { nil: null, freq: 2 }),
  personal: nullable(fc.tuple(json, nullable(text))),
});

test('the canonical text built in Node is audit.canonical_text, byte for byte, for random hostile events', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(event, { minLength: 1, maxLength: 12 }), async (events) => {
      // One transaction per batch, so that its events share a txid and are sealed by (txid, seq).
      await owner.query('begin');
      const { rows: batch } = await owner.query<{ txid: string }>('select pg_current_xact_id()::text as txid');
      for (const e of events) {
        await owner.query(
          `insert into audit_logs (tenant_id, actor_type, actor_id, action, resource_type, resource_id, ip_address,
             request_id, metadata, operation, table_name, old_record, new_record, changed_fields, created_at, seq,
             personal, subject_id)
           overriding system value
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11, $12::jsonb, $13::jsonb, $14::text[],
             case when $15 ~ '^-?[0-9]+$' then timestamptz '2000-01-01 00:00:00+00' + ($15::bigint * interval '1 microsecond')
                  else $15::timestamptz end,
             coalesce($16::bigint, nextval(pg_get_serial_sequence('audit_logs', 'seq'))), $17::jsonb, $18)`,
          [
            tenants[e.tenant] ?? '',
            e.actorType,
            e.actorId,
            e.action,
            e.resourceType,
            e.resourceId,
            e.ip,
            e.requestId,
            e.metadata,
            e.change?.[0] ?? null,
            e.change?.[1] ?? null,
            e.oldRecord,
            e.newRecord,
            e.changedFields,
            e.createdAt,
            e.seq?.toString() ?? null,
            e.personal?.[0] ?? null,
            e.personal?.[1] ?? null,
          ],
        );
      }
      await owner.query('commit');
      // Sealing stops at its horizon, which an open transaction elsewhere (another test file's, under a full
      // suite) can hold for a moment: seal until this batch is sealed, so that no batch is left for the next run.
      const deadline = Date.now() + 60_000;
      for (;;) {
        await owner.query('select audit.seal_pending(100000)');
        const { rows } = await owner.query<{ n: number }>(
          'select count(*)::int as n from audit.seals where txid = $1::xid8',
          [batch[0]?.txid],
        );
        if ((rows[0]?.n ?? 0) >= events.length || Date.now() > deadline) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const { rows: expected } = await owner.query<{ chain: string; position: string; canonical: string }>(
        `select s.chain, s.position, audit.canonical_text(l) as canonical
         from audit.seals s join audit_logs l on l.id = s.event_id and l.created_at = s.created_at
         where s.position > coalesce(($1::jsonb ->> s.chain)::bigint, 0)
         order by s.chain, s.position`,
        [JSON.stringify(Object.fromEntries(sealedUpTo))],
      );
      // Noted before comparing, so that a failing run (and fast-check's shrinking after it) leaves the next one
      // comparing only its own events.
      const firsts = new Map<string, number>();
      for (const row of expected) {
        if (!firsts.has(row.chain)) firsts.set(row.chain, Number(row.position));
        sealedUpTo.set(row.chain, Number(row.position));
      }
      expect(expected.length).toBe(events.length);
      for (const [chain, first] of firsts) {
        const built: string[] = [];
        for await (const batch of sealedEvents(owner, { chain, first, last: null })) {
          for (const seal of batch) built.push(seal.event?.canonical.toString('utf8') ?? '<deleted>');
        }
        expect(built).toEqual(expected.filter((r) => r.chain === chain).map((r) => r.canonical));
      }
    }),
    { numRuns: 60 },
  );
}, 240_000);
