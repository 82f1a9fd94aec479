import { createHash } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sealedEvents } from '../src/audit/ledger-stream/sealed-events.ts';
import { leafHashOf } from '../src/audit/tree/rfc9162.ts';
import { type Database, recordAuditEvent, sql, systemActor, verifyAuditChain } from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';
import { actor, insertSql, seedTenantRows } from './support/tenant-rows.ts';

/**
 * Verification builds each event's canonical text in Node from its columns
 * (ledger-stream/canonical-text-builder.ts) and must hash exactly what sealing
 * hashed in PostgreSQL (`audit.canonical_text`). Events of every kind are
 * written through the product's own paths (change capture of inserts,
 * updates and deletes, application events, the platform doors' tenant and
 * system events) with hostile values, sealed by the real sealer, and each
 * text built in Node is compared with PostgreSQL's and with the stored
 * leaf and event hashes.
 */
let testDb: TestDatabase;
let db: Database;
let owner: pg.Client;
const tenants: string[] = [];

const hostileStrings = [
  'quote " backslash \\ both \\" end',
  'tab\there, newline\nhere, return\r, form\f, backspace\b, bell\u0007, unit\u001f, delete\u007f',
  'unicode: é ñ 中文 日本語 עברית العربية 😀 👩‍👩‍👧 e\u0301 \u2028 \u2029 \ufeff',
  '\\N',
  '\\\\x41 \\t literal escapes',
  '',
];

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await testDb.openApp();
  owner = new pg.Client({ connectionString: testDb.ownerUrl });
  await owner.connect();
  for (const slug of ['acme', 'globex']) {
    tenants.push((await db.platform.createTenant({ name: `Tenant ${slug}`, slug }, systemActor('test'))).id);
  }
  // The system chain, through the doors: a lookup and a security event that names no tenant.
  await db.platform.findTenantBySlug('acme', systemActor('test'));
  await db.platform.logSecurityEvent(
    { type: 'login_failed', email: 'no\tone"@example.com', ip: '2001:db8::1', details: { why: hostileStrings[1] } },
    systemActor('test'),
  );
  for (const tenantId of tenants) {
    const rows = await seedTenantRows(db, tenantId);
    await db.withTenant(tenantId, { ...actor('writer\\"\t'), ip: '2001:db8::7' }, async (tx) => {
      for (const [i, text] of hostileStrings.entries()) {
        await tx.execute(sql`update skills set name = ${text}, description = ${text} where id = ${rows.skills}`);
        await recordAuditEvent({
          action: 'skill.updated',
          resourceType: 'skill',
          resourceId: text,
          metadata: { i, text },
        });
      }
      // Numbers as jsonb keeps them (scale, exponent, digits beyond a double), nesting, nulls, empty containers.
      await tx.execute(
        sql`select audit.record_event('skill.imported', null, null, ${`{"n": 1.50, "big": 123456789012345678901234567890.000100, "small": 1e-7, "neg": -0, "deep": [[[[{"a": null, "b": []}]]]], "empty": {}, "t": true, "keys": {"bb": 1, "a": 2, "ccc": 3, "\\"q": 4}}`}::jsonb)`,
      );
      // A large event: 2 MB of metadata, spanning many network chunks.
      await recordAuditEvent({ action: 'data.exported', metadata: { blob: 'ü"\\'.repeat(700_000) } });
      await tx.execute(
        insertSql('skills', { id: crypto.randomUUID(), slug: 'gone', name: 'Gone', author_id: rows.users }),
      );
      await tx.execute(sql`delete from skills where slug = 'gone'`);
    });
    await db.withTenant(tenantId, { ...actor(), ip: '10.1.2.3' }, () => recordAuditEvent({ action: 'skill.created' }));
  }
  expect(await db.sealCommittedAuditEvents()).toBe(true);
}, 60_000);

afterAll(async () => {
  await owner?.end();
  await db?.close();
  await testDb?.drop();
});

describe('the canonical text built in Node', () => {
  test('is PostgreSQL’s canonical text, byte for byte, and hashes to the stored leaf and event hashes, in every chain', async () => {
    const { rows: expected } = await owner.query<{
      chain: string;
      position: string;
      canonical: string;
      leaf_hash: Buffer;
      event_hash: Buffer;
    }>(
      `select s.chain, s.position, audit.canonical_text(l) as canonical, s.leaf_hash, s.event_hash
       from audit.seals s join audit_logs l on l.id = s.event_id order by s.chain, s.position`,
    );
    const chains = [...new Set(expected.map((r) => r.chain))];
    expect(chains).toEqual(expect.arrayContaining(['', ...tenants]));
    const kinds = await owner.query<{ operation: string | null; n: string }>(
      'select operation::text, count(*) as n from audit_logs group by 1',
    );
    expect(kinds.rows.map((r) => r.operation).sort()).toEqual(['DELETE', 'INSERT', 'UPDATE', null]);
    let compared = 0;
    for (const chain of chains) {
      const stored = expected.filter((r) => r.chain === chain);
      const built: string[] = [];
      for await (const batch of sealedEvents(owner, { chain, first: 1, last: null })) {
        for (const seal of batch) built.push(seal.event?.canonical.toString('utf8') ?? '<deleted>');
      }
      expect(built.length).toBe(stored.length);
      stored.forEach((row, i) => {
        const text = built[i] as string;
        expect(text, `${chain || 'system'} position ${row.position}`).toBe(row.canonical);
        expect(leafHashOf(Buffer.from(text, 'utf8')).equals(row.leaf_hash)).toBe(true);
        expect(createHash('sha256').update(text, 'utf8').digest().equals(row.event_hash)).toBe(true);
        compared += 1;
      });
    }
    expect(compared).toBe(expected.length);
    expect(compared).toBeGreaterThan(50);
  });

  test('every chain verifies intact when hashed in Node', async () => {
    const result = await verifyAuditChain(testDb.ownerUrl);
    expect(result.chains.map((c) => [c.chain, c.intact])).toEqual(
      expect.arrayContaining([['', true], ...tenants.map((t) => [t, true])]),
    );
    expect(result.intact).toBe(true);
  });

  // The stream turns JIT off for its own statement: the caller's transaction gets its setting back,
  // whether the stream ran to its end or was stopped early.
  test('the stream leaves the transaction usable and its JIT setting as it was', async () => {
    const [tenantId] = tenants as [string];
    await owner.query('begin');
    try {
      await owner.query(`select set_config('jit', 'on', true)`);
      for await (const batch of sealedEvents(owner, { chain: tenantId, first: 1, last: null })) {
        expect(batch.length).toBeGreaterThan(0);
      }
      expect((await owner.query('select current_setting($1) as v', ['jit'])).rows[0]?.v).toBe('on');
      for await (const batch of sealedEvents(owner, { chain: tenantId, first: 1, last: null })) {
        if (batch.length > 0) break;
      }
      expect((await owner.query('select current_setting($1) as v', ['jit'])).rows[0]?.v).toBe('on');
    } finally {
      await owner.query('rollback');
    }
  });

  test('a one-character edit of the large event is named as modified', async () => {
    const [tenantId] = tenants as [string];
    const { rows } = await owner.query<{ id: string }>(
      `select id from audit_logs where tenant_id = $1 and action = 'data.exported'`,
      [tenantId],
    );
    const id = rows[0]?.id as string;
    await owner.query('alter table audit_logs disable trigger user');
    try {
      await owner.query(
        `update audit_logs set metadata = jsonb_set(metadata, '{blob}', to_jsonb(overlay(metadata->>'blob' placing 'v' from 1000000 for 1))) where id = $1`,
        [id],
      );
    } finally {
      await owner.query('alter table audit_logs enable trigger user');
    }
    const verdict = (await verifyAuditChain(testDb.ownerUrl, { tenantId })).chains[0];
    expect(verdict?.intact).toBe(false);
    expect(verdict?.break).toMatchObject({ kind: 'modified', eventId: id });
  });
});
