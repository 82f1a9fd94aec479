// Migration 0068 seals a captured row's personal columns in the table's
// generated capture function when the row's subject has a key and the
// address, if any, is that subject's; the envelope trigger lets such a row
// through and keeps sealing everything else. What the capture function
// seals must be the trigger's envelope, field for field and plaintext for
// plaintext; a change of class must reach the capture function at the
// next write; nothing a runtime-role write controls may leave a personal
// value in clear.
import { expect, test } from 'vitest';
import { type RequestActor, sql } from '../src/index.ts';
import { envelopeUpgradeAcross } from './support/envelope-upgrade.ts';

const upgrade = envelopeUpgradeAcross('0068_sealing_in_capture_functions');
upgrade.openingTests();

type Entry = { subject: string; key: string; fields: unknown; plain: string };
type Sealed = {
  id: string;
  ip_address: string | null;
  subject_id: string | null;
  old_record: Record<string, unknown> | null;
  new_record: Record<string, unknown> | null;
};

/** Each subject's entry of an event's envelope: key, fields and plaintext (opened with the owner's view of the key). */
const entriesSql = `select e.key as subject, e.value ->> 'key' as key, e.value -> 'fields' as fields,
         pgp_sym_decrypt(decode(e.value ->> 'data', 'base64'), encode(k.secret, 'hex')) as plain
  from audit_logs l
  cross join lateral jsonb_each(l.personal) e
  join audit.subject_keys k on k.key_id::text = e.value ->> 'key'
  where l.id = $1 order by e.key`;

const userRecord = async (userId: string) =>
  (
    await upgrade.owner().query<{ r: Record<string, unknown> }>(
      `select to_jsonb(u) - (select t.redact from audit.tracked_tables t where t.relid = 'users'::regclass) as r
         from users u where u.id = $1`,
      [userId],
    )
  ).rows[0]?.r;

const latestUpdate = async (userId: string) => {
  const { rows } = await upgrade.owner().query<Sealed & { personal: unknown }>(
    `select id, ip_address::text, subject_id, old_record, new_record, personal from audit_logs
     where tenant_id = $1 and action = 'users.update' and resource_id = $2
     order by created_at desc, seq desc limit 1`,
    [upgrade.tenantId(), userId],
  );
  const row = rows[0];
  if (!row) throw new Error('no users.update event');
  return row;
};

/**
 * The envelope 0063's trigger path gives the same event: the same row, with
 * the same records in clear and the same context, inserted by the owner with
 * no envelope (rolled back after reading).
 */
const sealedByTrigger = async (
  actor: RequestActor,
  before: Record<string, unknown> | null,
  after: Record<string, unknown> | null,
  userId: string,
) => {
  const operation = before && after ? 'UPDATE' : before ? 'DELETE' : 'INSERT';
  const owner = upgrade.owner();
  await owner.query('begin');
  try {
    const { rows } = await owner.query<Sealed>(
      `insert into audit_logs (tenant_id, actor_type, actor_id, action, resource_type, resource_id, ip_address,
                               request_id, operation, table_name, old_record, new_record)
       values ($1, $2, $3, $4, 'users', $5, $6::inet, $7, $8, 'users', $9, $10)
       returning id, ip_address::text, subject_id, old_record, new_record`,
      [
        upgrade.tenantId(),
        actor.actorType,
        actor.actorId,
        `users.${operation.toLowerCase()}`,
        userId,
        actor.ip ?? null,
        actor.requestId ?? null,
        operation,
        before,
        after,
      ],
    );
    const row = rows[0];
    if (!row) throw new Error('the oracle event was not written');
    const entries = (await owner.query<Entry>(entriesSql, [row.id])).rows;
    return { row, entries };
  } finally {
    await owner.query('rollback');
  }
};

/** Whether the users capture function seals rows itself (0068's sealing generated into it). */
const captureSeals = async () =>
  (
    await upgrade.owner().query<{ seals: boolean }>(
      `select p.prosrc like '%pgp_sym_encrypt%' as seals from audit.tracked_tables t
       join pg_proc p on p.proname = t.function_name and p.pronamespace = 'audit'::regnamespace
       where t.relid = 'users'::regclass`,
    )
  ).rows[0]?.seals;

const rename = (actor: RequestActor, userId: string, name: string) =>
  upgrade.withApp((db) =>
    db.withTenant(upgrade.tenantId(), actor, (tx) =>
      tx.execute(sql`update users set display_name = ${name} where id = ${userId}`),
    ),
  );

test('the capture function seals a row as the trigger does: same fields, plaintext, key, subject and records', async () => {
  const userId = upgrade.after().userId;
  expect(await captureSeals()).toBe(true);
  const actors: Record<string, RequestActor> = {
    'the person, with an address': {
      actorType: 'user',
      actorId: userId,
      role: 'member',
      requestId: 'r-self',
      ip: '198.51.100.7',
    },
    'a system job, no address': { actorType: 'system', actorId: 'nightly', requestId: 'r-job' },
    'a system job, with an address': {
      actorType: 'system',
      actorId: 'importer',
      requestId: 'r-imp',
      ip: '2001:db8::5',
    },
  };
  let round = 0;
  for (const [label, actor] of Object.entries(actors)) {
    round += 1;
    const before = await userRecord(userId);
    await rename(actor, userId, `Pat "${round}" \\ ', "personal": {}`);
    const after = await userRecord(userId);
    if (!before || !after) throw new Error('the user is gone');
    const captured = await latestUpdate(userId);
    const entries = (await upgrade.owner().query<Entry>(entriesSql, [captured.id])).rows;
    const oracle = await sealedByTrigger(actor, before, after, userId);
    expect(entries, label).toHaveLength(1);
    expect(entries, label).toEqual(oracle.entries);
    expect({ ...captured, id: '' }, label).toMatchObject({ ...oracle.row, id: '' });
    expect(captured.ip_address, label).toBeNull();
    expect(captured.subject_id, label).toBe(`user:${userId}`);
    expect(JSON.stringify(captured), label).not.toContain(`"${round}"`);
  }
});

test('the capture function seals by itself: with the ledger trigger off, the row still arrives sealed', async () => {
  const userId = upgrade.after().userId;
  const job: RequestActor = { actorType: 'system', actorId: 'solo', requestId: 'r-solo', ip: '192.0.2.44' };
  await upgrade.owner().query('alter table audit_logs disable trigger audit_logs_personal_fields');
  try {
    await rename(job, userId, 'Sealed Without The Trigger');
  } finally {
    await upgrade.owner().query('alter table audit_logs enable trigger audit_logs_personal_fields');
  }
  const row = await latestUpdate(userId);
  expect(row.personal).not.toBeNull();
  expect(row.ip_address).toBeNull();
  expect(JSON.stringify(row)).not.toContain('Sealed Without');
  expect(await upgrade.opened(row.id)).toMatchObject({
    'new_record.display_name': 'Sealed Without The Trigger',
    ip_address: '192.0.2.44/32',
  });
});

test('a deleted row is sealed as the trigger seals it: the old record only, the address with it', async () => {
  const job: RequestActor = { actorType: 'system', actorId: 'seed', requestId: 'r-seed' };
  const goneId = await upgrade.withApp((db) =>
    db.withTenant(upgrade.tenantId(), job, async (tx) => {
      const { rows } = await tx.execute<{ id: string }>(
        sql`insert into users (email, display_name) values ('gone@acme.test', 'Gone "soon"') returning id`,
      );
      return rows[0]?.id ?? '';
    }),
  );
  const before = await userRecord(goneId);
  if (!before) throw new Error('the user was not made');
  const self: RequestActor = {
    actorType: 'user',
    actorId: goneId,
    role: 'member',
    requestId: 'r-leave',
    ip: '192.0.2.9',
  };
  await upgrade.withApp((db) =>
    db.withTenant(upgrade.tenantId(), self, (tx) => tx.execute(sql`delete from users where id = ${goneId}`)),
  );
  const { rows } = await upgrade.owner().query<Sealed>(
    `select id, ip_address::text, subject_id, old_record, new_record from audit_logs
     where tenant_id = $1 and action = 'users.delete' and resource_id = $2`,
    [upgrade.tenantId(), goneId],
  );
  const captured = rows[0];
  if (!captured) throw new Error('no users.delete event');
  const entries = (await upgrade.owner().query<Entry>(entriesSql, [captured.id])).rows;
  const oracle = await sealedByTrigger(self, before, null, goneId);
  expect(entries).toHaveLength(1);
  expect(entries).toEqual(oracle.entries);
  expect(entries[0]?.fields).toEqual([['old_record', 'display_name'], ['old_record', 'email'], ['ip_address']]);
  expect({ ...captured, id: '' }).toMatchObject({ ...oracle.row, id: '' });
  expect(JSON.stringify(captured)).not.toContain('gone@');
});

test("a user acting on another person's row still gets one envelope entry per subject", async () => {
  const userId = upgrade.after().userId;
  await rename(upgrade.admin, userId, 'Renamed By Admin');
  const captured = await latestUpdate(userId);
  const subjects = (await upgrade.owner().query<Entry>(entriesSql, [captured.id])).rows.map((e) => e.subject);
  expect(subjects.sort()).toEqual([`user:${upgrade.admin.actorId}`, `user:${userId}`].sort());
  expect(captured.ip_address).toBeNull();
  expect(await upgrade.opened(captured.id)).toMatchObject({
    'new_record.display_name': 'Renamed By Admin',
    ip_address: '203.0.113.5/32',
  });
});

test('a change of class reaches the capture function at the next write, both ways', async () => {
  const userId = upgrade.after().userId;
  const self: RequestActor = { actorType: 'user', actorId: userId, role: 'member', requestId: 'r-self' };
  await upgrade.owner().query(`select audit.classify_columns('users', 'ordinary', array['display_name'])`);
  await rename(self, userId, 'Shown Name');
  const shown = await latestUpdate(userId);
  expect(shown.new_record?.display_name).toBe('Shown Name');
  expect(shown.new_record?.email).toBeUndefined();
  const shownFields = (await upgrade.owner().query<Entry>(entriesSql, [shown.id])).rows[0]?.fields;
  expect(shownFields).toEqual([
    ['old_record', 'email'],
    ['new_record', 'email'],
  ]);

  await upgrade.owner().query(`select audit.classify_columns('users', 'personal', array['display_name'])`);
  await rename(self, userId, 'Sealed Name');
  const sealed = await latestUpdate(userId);
  expect(sealed.new_record?.display_name).toBeUndefined();
  expect(await upgrade.opened(sealed.id)).toMatchObject({ 'new_record.display_name': 'Sealed Name' });

  // No personal column left: the capture function stops sealing and the trigger has nothing to move.
  await upgrade.owner().query(`select audit.classify_columns('users', 'ordinary', array['display_name', 'email'])`);
  expect(await captureSeals()).toBe(false);
  await rename(self, userId, 'All Clear');
  const clear = await latestUpdate(userId);
  expect(clear.new_record?.display_name).toBe('All Clear');
  await upgrade.owner().query(`select audit.classify_columns('users', 'personal', array['display_name', 'email'])`);
  expect(await captureSeals()).toBe(true);
});

test('one statement over many rows seals each under its own subject; a subject without a key falls back to the trigger', async () => {
  const job: RequestActor = { actorType: 'system', actorId: 'bulk', requestId: 'r-bulk' };
  const ids = await upgrade.withApp((db) =>
    db.withTenant(upgrade.tenantId(), job, async (tx) => {
      const { rows } = await tx.execute<{ id: string }>(
        sql`insert into users (email, display_name)
            select 'bulk-' || i || '@acme.test', 'Bulk ' || i from generate_series(1, 3) i returning id`,
      );
      return rows.map((r) => r.id);
    }),
  );
  // The third person's key destroyed, as erasure does: the next write of their row needs a new key.
  const erased = `user:${ids[2]}`;
  await upgrade
    .owner()
    .query('delete from audit.subject_keys where tenant_id = $1 and subject = $2', [upgrade.tenantId(), erased]);
  await upgrade.withApp((db) =>
    db.withTenant(upgrade.tenantId(), job, (tx) =>
      tx.execute(
        sql`update users set display_name = display_name || ' (moved)' where id = any(${`{${ids.join(',')}}`}::uuid[])`,
      ),
    ),
  );
  for (const [i, id] of ids.entries()) {
    const row = await latestUpdate(id);
    const entries = (await upgrade.owner().query<Entry>(entriesSql, [row.id])).rows;
    expect(entries.map((e) => e.subject)).toEqual([`user:${id}`]);
    expect(JSON.parse(entries[0]?.plain ?? '[]')).toEqual([
      [['old_record', 'display_name'], `Bulk ${i + 1}`],
      [['old_record', 'email'], `bulk-${i + 1}@acme.test`],
      [['new_record', 'display_name'], `Bulk ${i + 1} (moved)`],
      [['new_record', 'email'], `bulk-${i + 1}@acme.test`],
    ]);
    expect(JSON.stringify(row)).not.toContain('Bulk');
  }
  const { rows } = await upgrade
    .owner()
    .query('select 1 from audit.subject_keys where tenant_id = $1 and subject = $2', [upgrade.tenantId(), erased]);
  expect(rows).toHaveLength(1);
});

test("an update that changes a row's key is left to the trigger: each half lists only the record it holds", async () => {
  const job: RequestActor = { actorType: 'system', actorId: 'rekey', requestId: 'r-rekey' };
  const [oldId, newId] = await upgrade.withApp((db) =>
    db.withTenant(upgrade.tenantId(), job, async (tx) => {
      const made = await tx.execute<{ id: string }>(
        sql`insert into users (email, display_name) values ('rekey@acme.test', 'Rekey') returning id`,
      );
      const id = made.rows[0]?.id ?? '';
      const moved = await tx.execute<{ id: string }>(
        sql`update users set id = gen_random_uuid() where id = ${id} returning id`,
      );
      return [id, moved.rows[0]?.id ?? ''];
    }),
  );
  for (const [id, part] of [
    [oldId, 'old_record'],
    [newId, 'new_record'],
  ] as const) {
    const row = await latestUpdate(id);
    const entries = (await upgrade.owner().query<Entry>(entriesSql, [row.id])).rows;
    expect(entries.map((e) => e.subject)).toEqual([`user:${id}`]);
    expect(entries[0]?.fields).toEqual([
      [part, 'display_name'],
      [part, 'email'],
    ]);
    expect(JSON.stringify(row)).not.toContain('rekey@');
  }
});

test('no runtime-role write can bring its own envelope: only generated capture functions write `personal`', async () => {
  // The runtime role cannot insert into the ledger at all.
  await expect(
    upgrade.withApp((db) =>
      db.withTenant(upgrade.tenantId(), upgrade.admin, (tx) =>
        tx.execute(
          sql`insert into audit_logs (tenant_id, actor_type, action, personal) values (${upgrade.tenantId()}, 'user', 'forged', '{}')`,
        ),
      ),
    ),
  ).rejects.toMatchObject({ cause: { code: '42501' } });
  // No other function names the column in an insert into the ledger.
  const { rows } = await upgrade.owner().query<{ fn: string }>(
    `select p.oid::regprocedure::text as fn from pg_proc p
     where p.prosrc ~* 'insert\\s+into\\s+(public\\.)?audit_logs\\s*\\([^)]*\\mpersonal\\M'
       and p.proname not in (select t.function_name from audit.tracked_tables t)`,
  );
  expect(rows).toEqual([]);
});

upgrade.erasureTest();

test('after erasure, the rows a capture function sealed for the person read as erased, the address too', async () => {
  const userId = upgrade.after().userId;
  const { rows } = await upgrade.owner().query<{ id: string }>(
    `select id from audit_logs
     where tenant_id = $1 and action = 'users.update' and resource_id = $2 and request_id in ('r-self', 'r-job', 'r-imp')
       and personal is not null`,
    [upgrade.tenantId(), userId],
  );
  expect(rows.length).toBeGreaterThanOrEqual(3);
  for (const row of rows) {
    const fields = await upgrade.opened(row.id);
    expect(Object.keys(fields).length).toBeGreaterThan(0);
    expect(Object.values(fields).every((value) => value === 'erased')).toBe(true);
  }
});
