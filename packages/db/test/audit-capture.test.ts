import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  type Database,
  recordAuditEvent,
  sql,
  systemActor,
  type TenantTableName,
  tenantTableNames,
} from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';
import { actor, insertSql, parentsOf, seedTenantRows, type TenantRows, tableSpecs } from './support/tenant-rows.ts';

let testDb: TestDatabase;
let db: Database;
let tenantA: string;
let rowsA: TenantRows;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await testDb.openApp();
  tenantA = (await db.platform.createTenant({ name: 'Acme', slug: 'acme' }, systemActor('test'))).id;
  rowsA = await seedTenantRows(db, tenantA);
});
afterAll(() => testDb.drop());

interface ChangeRecord extends Record<string, unknown> {
  tenant_id: string;
  actor_type: string;
  actor_id: string;
  request_id: string;
  ip_address: string;
  action: string;
  operation: string;
  table_name: string;
  resource_id: string;
  old_record: Record<string, unknown> | null;
  new_record: Record<string, unknown> | null;
  changed_fields: string[] | null;
}

/** The change records written by one withTenant transaction, read back as the owner. */
const changesOfRequest = async (requestId: string) =>
  (
    await testDb.ownerQuery<ChangeRecord>(
      `select tenant_id, actor_type, actor_id, request_id, host(ip_address) as ip_address, action, operation::text,
              table_name, resource_id, old_record, new_record, changed_fields
       from audit_logs where request_id = $1 and operation is not null order by seq`,
      [requestId],
    )
  ).rows;

let requestCounter = 0;
const request = () => {
  requestCounter += 1;
  // An owner: it writes skills in another's name (migration 0024).
  return {
    actorType: 'user' as const,
    actorId: 'user-7',
    role: 'owner' as const,
    requestId: `req-${requestCounter}`,
    ip: '203.0.113.9',
  };
};

test.each(tenantTableNames)('%s: insert, update and delete each leave exactly one change record', async (table) => {
  const spec = tableSpecs[table];
  // Fresh parents, so per-skill and per-user uniques leave room for the new row.
  const parents = { ...parentsOf(rowsA) };
  await db.withTenant(tenantA, actor(), async (tx) => {
    const user = tableSpecs.users.values(parents);
    await tx.execute(insertSql('users', user));
    parents.userId = user.id as string;
    const skill = tableSpecs.skills.values(parents);
    await tx.execute(insertSql('skills', skill));
    parents.skillId = skill.id as string;
  });
  const values = spec.values(parents);
  const id = values.id as string;
  if (table === 'site_settings') {
    // One settings row per tenant: exercise the existing one.
    values.id = rowsA.site_settings;
  }
  const rowId = values.id as string;

  const insertReq = request();
  if (table !== 'site_settings') {
    await db.withTenant(tenantA, insertReq, (tx) => tx.execute(insertSql(table, values)));
    const inserted = await changesOfRequest(insertReq.requestId);
    expect(inserted).toHaveLength(1);
    expect(inserted[0]).toMatchObject({
      tenant_id: tenantA,
      actor_type: 'user',
      actor_id: 'user-7',
      // A users row names a person, whose address is sealed in the event's envelope (migration 0046);
      // 'user-7' is no user id, so on other tables no person is known and the address stays in clear.
      ip_address: table === 'users' ? null : '203.0.113.9',
      action: `${table}.insert`,
      operation: 'INSERT',
      table_name: table,
      resource_id: id,
      old_record: null,
      changed_fields: null,
    });
    expect(inserted[0]?.new_record?.id).toBe(id);
  }

  const updateReq = request();
  const [column, value] = spec.mutable;
  await db.withTenant(tenantA, updateReq, (tx) =>
    tx.execute(sql`update ${sql.identifier(table)} set ${sql.identifier(column)} = ${value} where id = ${rowId}`),
  );
  const updated = await changesOfRequest(updateReq.requestId);
  expect(updated).toHaveLength(1);
  expect(updated[0]).toMatchObject({ operation: 'UPDATE', action: `${table}.update`, changed_fields: [column] });
  if (table === 'users') {
    // display_name is personal: sealed in the envelope (migration 0046), named in changed_fields only.
    expect(updated[0]?.new_record).not.toHaveProperty(column);
  } else {
    expect(updated[0]?.new_record?.[column]).toEqual(value);
    expect(updated[0]?.old_record?.[column]).not.toEqual(value);
  }

  const deleteReq = request();
  await db.withTenant(tenantA, deleteReq, (tx) =>
    tx.execute(sql`delete from ${sql.identifier(table)} where id = ${rowId}`),
  );
  const deleted = (await changesOfRequest(deleteReq.requestId)).filter((c) => c.table_name === table);
  expect(deleted).toHaveLength(1);
  expect(deleted[0]).toMatchObject({ operation: 'DELETE', resource_id: rowId, new_record: null });
  expect(deleted[0]?.old_record?.id).toBe(rowId);
  if (table === 'site_settings') {
    await db.withTenant(tenantA, actor(), (tx) => tx.execute(insertSql(table, { id: rowId, display_name: 'Site' })));
  }
});

test('a bulk statement is one trigger call yet one record per row', async () => {
  const req = request();
  await db.withTenant(tenantA, req, (tx) =>
    tx.execute(sql`insert into skills (slug, name) select 'bulk-' || g, 'Bulk ' || g from generate_series(1, 250) g`),
  );
  await db.withTenant(tenantA, req, (tx) =>
    tx.execute(sql`update skills set description = 'x' where slug like 'bulk-%'`),
  );
  const changes = await changesOfRequest(req.requestId);
  expect(changes.filter((c) => c.operation === 'INSERT')).toHaveLength(250);
  const updates = changes.filter((c) => c.operation === 'UPDATE');
  expect(updates).toHaveLength(250);
  expect(new Set(updates.map((u) => u.resource_id)).size).toBe(250);
  expect(updates.every((u) => u.changed_fields?.join() === 'description')).toBe(true);
});

test('sensitive columns are never copied into the ledger, though their change is named', async () => {
  const req = request();
  await db.withTenant(tenantA, req, async (tx) => {
    await tx.execute(
      insertSql('users', {
        email: 'secret@example.com',
        display_name: 'S',
        password_hash: '$argon2id$SECRET-HASH',
        // Sealed, as migration 0021 requires of a stored TOTP secret.
        mfa_secret: 'v1.0123456789abcdef.AAAAAAAAAAAAAAAA.TOTPxSECRET.AAAAAAAAAAAAAAAAAAAAAA',
      }),
    );
    await tx.execute(sql`update users set password_hash = '$argon2id$NEW-SECRET' where email = 'secret@example.com'`);
    await tx.execute(insertSql('api_keys', { name: 'k', prefix: 'pfx1', key_hash: 'KEY-HASH-SECRET' }));
  });
  const changes = await changesOfRequest(req.requestId);
  expect(changes).toHaveLength(3);
  const text = JSON.stringify(changes);
  for (const secret of ['SECRET-HASH', 'NEW-SECRET', 'TOTPxSECRET', 'KEY-HASH-SECRET']) {
    expect(text).not.toContain(secret);
  }
  expect(changes[1]?.changed_fields).toEqual(['password_hash']);
  expect(changes[0]?.new_record).not.toHaveProperty('password_hash');
  expect(changes[2]?.new_record).not.toHaveProperty('key_hash');
});

test('a rolled-back transaction leaves neither change records nor application events', async () => {
  const req = request();
  await expect(
    db.withTenant(tenantA, req, async (tx) => {
      await tx.execute(insertSql('skills', { slug: 'doomed', name: 'Doomed' }));
      await recordAuditEvent({ action: 'skill.created', resourceType: 'skill', resourceId: 'doomed' });
      throw new Error('abort');
    }),
  ).rejects.toThrow('abort');
  const rows = await testDb.ownerQuery('select * from audit_logs where request_id = $1', [req.requestId]);
  expect(rows.rows).toHaveLength(0);
});

test('an application event joins the withTenant transaction and carries its context', async () => {
  const req = request();
  await db.withTenant(tenantA, req, async () => {
    await recordAuditEvent({ action: 'skill.merged', resourceType: 'skill', resourceId: 'x', metadata: { into: 'y' } });
  });
  const rows = await testDb.ownerQuery<ChangeRecord & { metadata: unknown }>(
    'select tenant_id, actor_id, action, metadata, host(ip_address) as ip_address from audit_logs where request_id = $1',
    [req.requestId],
  );
  expect(rows.rows).toEqual([
    {
      tenant_id: tenantA,
      actor_id: 'user-7',
      action: 'skill.merged',
      metadata: { into: 'y' },
      ip_address: '203.0.113.9',
    },
  ]);
  await expect(recordAuditEvent({ action: 'skill.deleted' })).rejects.toMatchObject({ code: 'NO_TENANT_CONTEXT' });
});

test('the ledger refuses UPDATE, DELETE and TRUNCATE from the runtime role and from the owner', async () => {
  await db.withTenant(tenantA, request(), () => recordAuditEvent({ action: 'settings.updated' }));
  const attempts = ['update audit_logs set action = $$forged$$', 'delete from audit_logs', 'truncate audit_logs'];
  for (const statement of attempts) {
    await expect(db.withTenant(tenantA, actor(), (tx) => tx.execute(sql.raw(statement)))).rejects.toMatchObject({
      cause: { code: '42501' },
    });
    await expect(testDb.ownerQuery(statement)).rejects.toThrow(/append-only/);
  }
  expect(await db.sealCommittedAuditEvents()).toBe(true);
  for (const statement of ['update audit.seals set position = 0', 'delete from audit.seals', 'truncate audit.seals']) {
    await expect(testDb.ownerQuery(statement)).rejects.toThrow(/append-only/);
  }
});

test('tenant A reads only its own events: never B’s, never system events', async () => {
  const tenantB = (await db.platform.createTenant({ name: 'Globex', slug: 'globex' }, systemActor('test'))).id;
  await db.withTenant(tenantB, request(), () => recordAuditEvent({ action: 'settings.updated' }));
  await db.platform.findTenantBySlug('no-such-workspace', systemActor('test')); // writes a system event (tenant_id null)
  const seen = await db.withTenant(tenantA, actor(), (tx) =>
    tx.execute<{ tenant_id: string | null }>(sql`select tenant_id from audit_logs`),
  );
  expect(seen.rows.length).toBeGreaterThan(0);
  expect(new Set(seen.rows.map((r) => r.tenant_id))).toEqual(new Set([tenantA]));
  const system = await testDb.ownerQuery("select count(*)::int as n from audit_logs where tenant_id = ''");
  expect(system.rows[0]?.n).toBeGreaterThan(0);
  const forged = db.withTenant(tenantA, actor(), (tx) =>
    tx.execute(sql`insert into audit_logs (tenant_id, action) values (${tenantB}, 'forged')`),
  );
  await expect(forged).rejects.toMatchObject({ cause: { code: '42501' } });
});

test('enable_tracking is idempotent and refuses a table without a primary key', async () => {
  await testDb.ownerQuery(`select audit.enable_tracking('skills'); select audit.enable_tracking('skills')`);
  const triggers = await testDb.ownerQuery(
    `select count(*)::int as n from pg_trigger where tgrelid = 'skills'::regclass and tgname like 'audit_capture_%'`,
  );
  expect(triggers.rows[0]?.n).toBe(4);
  await testDb.ownerQuery('create table no_key (x int)');
  await expect(testDb.ownerQuery(`select audit.enable_tracking('no_key')`)).rejects.toThrow(/no primary key/);
  await testDb.ownerQuery(`select audit.disable_tracking('skills'); select audit.disable_tracking('skills')`);
  const req = request();
  await db.withTenant(tenantA, req, (tx) => tx.execute(insertSql('skills', { slug: 'untracked', name: 'U' })));
  expect(await changesOfRequest(req.requestId)).toHaveLength(0);
  await testDb.ownerQuery(`select audit.enable_tracking('skills')`);
});

test('any table can be tracked: odd names, a composite key, types without a plain equality, a key that changes', async () => {
  // Columns named like the capture's own aliases (o, n, r), one named like its quote tag, a box (whose =
  // compares areas), json (no = at all), a redacted token, and a name that needs quoting.
  await testDb.ownerQuery(`
    create table "Tracked Things" (region text, code int, doc json, note text, api_token text,
      o int, n text, r int, shape box, "x$body$y" int, primary key (region, code));
    grant select, insert, update, delete on "Tracked Things" to skillhub_app;
    select audit.enable_tracking('"Tracked Things"');`);
  const req = request();
  await db.withTenant(tenantA, req, async (tx) => {
    await tx.execute(sql`insert into "Tracked Things"
      values ('eu', 1, '{"a": 1}', 'n', 'TOKEN-VALUE', 10, 'nn', 20, box '((0,0),(1,1))', 5)`);
    await tx.execute(
      sql`update "Tracked Things" set doc = '{"a": 2}', api_token = 'NEW-TOKEN', shape = box '((1,1),(2,2))'`,
    );
    await tx.execute(sql`update "Tracked Things" set note = note`);
    await tx.execute(sql`update "Tracked Things" set code = 2`);
    await tx.execute(sql`delete from "Tracked Things"`);
  });
  const changes = await changesOfRequest(req.requestId);
  expect(JSON.stringify(changes)).not.toMatch(/TOKEN/);
  const [inserted, updated, untouched, leaving, arriving, deleted, ...rest] = changes.map((c) => [
    c.operation,
    c.tenant_id,
    c.resource_id,
    c.changed_fields,
  ]);
  expect(rest).toEqual([]);
  expect(inserted).toEqual(['INSERT', tenantA, '{"code": 1, "region": "eu"}', null]);
  // The box moved without changing its area: still a change.
  expect(updated).toEqual(['UPDATE', tenantA, '{"code": 1, "region": "eu"}', ['api_token', 'doc', 'shape']]);
  expect(untouched).toEqual(['UPDATE', tenantA, '{"code": 1, "region": "eu"}', []]);
  // A changed key cannot pair old with new: the row is recorded leaving and arriving.
  const everyColumn = ['api_token', 'code', 'doc', 'n', 'note', 'o', 'r', 'region', 'shape', 'x$body$y'];
  expect([leaving, arriving].sort()).toEqual([
    ['UPDATE', tenantA, '{"code": 1, "region": "eu"}', everyColumn],
    ['UPDATE', tenantA, '{"code": 2, "region": "eu"}', everyColumn],
  ]);
  expect(deleted).toEqual(['DELETE', tenantA, '{"code": 2, "region": "eu"}', null]);
  const moved = changes.filter((c) => c.operation === 'UPDATE' && c.changed_fields?.includes('code'));
  const codes = moved.map((c) => `${c.old_record?.code ?? '-'} → ${c.new_record?.code ?? '-'}`);
  expect(codes.sort()).toEqual(['- → 2', '1 → -']);
  const row = { region: 'eu', code: 1, note: 'n', o: 10, n: 'nn', r: 20, x$body$y: 5 };
  expect(changes[0]?.new_record).toEqual({ ...row, doc: { a: 1 }, shape: '(1,1),(0,0)' });
  expect(changes[1]?.old_record).toEqual({ ...row, doc: { a: 1 }, shape: '(1,1),(0,0)' });
  expect(changes[1]?.new_record).toEqual({ ...row, doc: { a: 2 }, shape: '(2,2),(1,1)' });

  await testDb.ownerQuery(`select audit.disable_tracking('"Tracked Things"')`);
  const left = await testDb.ownerQuery<{ functions: number; entries: number }>(
    `select (select count(*)::int from pg_proc where proname = 'capture_' || '"Tracked Things"'::regclass::oid) as functions,
            (select count(*)::int from audit.tracked_tables where relid = '"Tracked Things"'::regclass) as entries`,
  );
  expect(left.rows[0]).toEqual({ functions: 0, entries: 0 });
});

test('capture follows a table whose columns change, once regenerated (as migrate does)', async () => {
  await testDb.ownerQuery(`
    create table gadgets (id int primary key, name text, secret_code text);
    grant select, insert, update on gadgets to skillhub_app;
    select audit.enable_tracking('gadgets', array['secret_code']);
    insert into gadgets values (1, 'a', 'SECRET-1');
    alter table gadgets add column color text, drop column name;`);
  const stale = await testDb.ownerQuery<{ stale: boolean }>(
    `select columns is distinct from audit.column_signature(relid) as stale from audit.tracked_tables
     where relid = 'gadgets'::regclass`,
  );
  expect(stale.rows).toEqual([{ stale: true }]);
  // The dropped column makes the stale function fail loudly rather than record the wrong thing.
  await expect(
    db.withTenant(tenantA, request(), (tx) => tx.execute(sql`update gadgets set color = 'red'`)),
  ).rejects.toThrow();

  const refreshed = await testDb.ownerQuery<{ n: number }>('select audit.refresh_tracking() as n');
  expect(refreshed.rows[0]?.n).toBe(1);
  expect((await testDb.ownerQuery('select audit.refresh_tracking() as n')).rows[0]?.n).toBe(0);
  const req = request();
  await db.withTenant(tenantA, req, (tx) =>
    tx.execute(sql`update gadgets set color = 'red', secret_code = 'SECRET-2'`),
  );
  const [change] = await changesOfRequest(req.requestId);
  expect(change?.changed_fields).toEqual(['color', 'secret_code']);
  // The explicit redaction survived the regeneration.
  expect(change?.new_record).toEqual({ id: 1, color: 'red' });
});

export type { TenantTableName };
