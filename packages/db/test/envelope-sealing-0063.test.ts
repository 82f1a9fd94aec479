// Migration 0063 reads the classification from one row per table and the
// row subject's key before checking its id. Envelopes sealed by 0058's
// trigger must open after it like those sealed after it, to the same
// fields and the same plaintext; a change of class must seal (or stop
// sealing) from the next write on; erasure must still make both kinds
// unreadable while the chain verifies.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { withCredentials, withDatabase } from '../src/connection-config.ts';
import {
  Database,
  eraseSubject,
  type RequestActor,
  recordAuditEvent,
  sql,
  systemActor,
  verifyAuditChain,
} from '../src/index.ts';
import { runMigrations } from '../src/migrate/run-migrations.ts';
import { readContextKey } from '../src/tenant-context/context-key.ts';
import { adminQuery } from './support/admin-query.ts';

const cluster = inject('skillhubTestCluster');
const dbName = `skillhub_envelope_0063_${cluster.runId}_${randomBytes(4).toString('hex')}`;
const ownerUrl = withDatabase(cluster.adminUrl, dbName);
const appUrl = withCredentials(ownerUrl, cluster.appRole);
const sealingMigration = '0063_sealing_classification_in_one_row';

const admin: RequestActor = {
  actorType: 'user',
  actorId: '3f1c2d4e-0000-4000-8000-0000000000ad',
  role: 'owner',
  requestId: 'req-upgrade',
  ip: '203.0.113.5',
};

type Revealed = { path: string[]; value?: unknown; erased?: boolean };
/** The events one round writes about one person, by kind. */
type Round = { email: string; userId: string; events: Record<'insert' | 'update' | 'invite', string> };

let owner: pg.Client;
let tenantId: string;
let before: Round;
let after: Round;

/** The tag of the migration applied just before 0063, read from the journal the runner follows. */
const migrationBeforeSealing = async () => {
  const { default: journal } = await import('../migrations/meta/_journal.json', { with: { type: 'json' } });
  const tags = journal.entries.map((e: { tag: string }) => e.tag);
  const previous = tags[tags.indexOf(sealingMigration) - 1];
  if (!previous) throw new Error(`${sealingMigration} is not in the journal`);
  return previous;
};

const withApp = async <T>(fn: (db: Database) => Promise<T>) => {
  const db = await Database.open({ url: appUrl, contextKey: await readContextKey(ownerUrl), maxConnections: 2 });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
};

/** A member added and renamed, and an invitation to their address: the three ways a person's values are sealed. */
const writeRound = (label: string): Promise<Round> =>
  withApp(async (db) => {
    const email = `pat-${label}@acme.test`;
    const userId = await db.withTenant(tenantId, admin, async (tx) => {
      const { rows } = await tx.execute<{ id: string }>(
        sql`insert into users (email, display_name) values (${email}, 'Pat') returning id`,
      );
      await tx.execute(sql`update users set display_name = 'Patricia' where email = ${email}`);
      await recordAuditEvent({ action: 'user.invited', resourceType: 'invitation', metadata: { email } });
      return rows[0]?.id ?? '';
    });
    // The round's own events are the latest of each action: rounds run one after the other.
    const { rows } = await owner.query<{ action: string; id: string }>(
      `select action, id from audit_logs
       where tenant_id = $1 and action in ('users.insert', 'users.update', 'user.invited')
       order by created_at, seq`,
      [tenantId],
    );
    const idOf = (action: string) => rows.filter((r) => r.action === action).at(-1)?.id ?? '';
    return {
      email,
      userId,
      events: { insert: idOf('users.insert'), update: idOf('users.update'), invite: idOf('user.invited') },
    };
  });

/** An event's personal fields as its workspace opens them (audit.reveal_personal), by dotted path. */
const opened = (eventId: string) =>
  withApp(async (db) => {
    const { rows } = await db.withTenant(tenantId, admin, (tx) =>
      tx.execute<{ r: Revealed[] }>(
        sql`select audit.reveal_personal(personal) as r from audit_logs where id = ${eventId}`,
      ),
    );
    return Object.fromEntries((rows[0]?.r ?? []).map((f) => [f.path.join('.'), f.erased ? 'erased' : f.value]));
  });

const expectedFields = (round: Round) => ({
  insert: { 'new_record.email': round.email, 'new_record.display_name': 'Pat', ip_address: '203.0.113.5/32' },
  update: {
    'old_record.email': round.email,
    'old_record.display_name': 'Pat',
    'new_record.email': round.email,
    'new_record.display_name': 'Patricia',
    ip_address: '203.0.113.5/32',
  },
  invite: { 'metadata.email': round.email, ip_address: '203.0.113.5/32' },
});

beforeAll(async () => {
  await adminQuery(`create database ${dbName}`);
  await runMigrations(ownerUrl, cluster.appRole, { upTo: await migrationBeforeSealing() });
  owner = new pg.Client({ connectionString: ownerUrl });
  await owner.connect();
  tenantId = await withApp(
    async (db) => (await db.platform.createTenant({ name: 'Acme', slug: 'acme' }, systemActor('test'))).id,
  );
  before = await writeRound('before');
  const result = await runMigrations(ownerUrl, cluster.appRole);
  expect(result.applied).toContain(sealingMigration);
  after = await writeRound('after');
}, 900_000);

afterAll(async () => {
  await owner?.end();
  await adminQuery(`drop database if exists ${dbName} with (force)`);
});

test('envelopes sealed before 0063 open after it, to the same fields and values as those sealed after it', async () => {
  for (const round of [before, after]) {
    const expected = expectedFields(round);
    for (const kind of ['insert', 'update', 'invite'] as const) {
      expect(await opened(round.events[kind]), `${round.email} ${kind}`).toEqual(expected[kind]);
    }
  }
  // The same envelope either way: one entry per subject, each with its key, fields and OpenPGP message.
  const { rows } = await owner.query<{ id: string; subjects: number; parts: string[]; clear: boolean }>(
    `select l.id, (select count(*)::int from jsonb_object_keys(l.personal)) as subjects,
            array(select distinct k from jsonb_each(l.personal) e, jsonb_object_keys(e.value) k order by k) as parts,
            l::text ~ 'pat-(before|after)@' as clear
     from audit_logs l where l.id = any($1::uuid[])`,
    [[...Object.values(before.events), ...Object.values(after.events)]],
  );
  expect(rows).toHaveLength(6);
  for (const row of rows) {
    expect(row.subjects).toBe(2);
    expect(row.parts).toEqual(['data', 'fields', 'key']);
    expect(row.clear).toBe(false);
  }
});

/** Each subject's entry of an event's envelope: its fields and its plaintext, opened with the owner's view of the key. */
const entries = async (eventId: string) => {
  const { rows } = await owner.query<{ subject: string; fields: string[][]; plain: string }>(
    `select e.key as subject, e.value -> 'fields' as fields,
            pgp_sym_decrypt(decode(e.value ->> 'data', 'base64'), encode(k.secret, 'hex')) as plain
     from audit_logs l
     cross join lateral jsonb_each(l.personal) e
     join audit.subject_keys k on k.key_id::text = e.value ->> 'key'
     where l.id = $1 order by e.key = $2`,
    [eventId, `user:${admin.actorId}`],
  );
  return rows;
};

test('an envelope sealed after 0063 holds the same fields and the same plaintext as one sealed before it', async () => {
  for (const kind of ['insert', 'update', 'invite'] as const) {
    const old = await entries(before.events[kind]);
    const renewed = await entries(after.events[kind]);
    expect(
      renewed.map((e) => e.subject.split(':')[0]),
      kind,
    ).toEqual(old.map((e) => e.subject.split(':')[0]));
    expect(renewed.at(-1)?.subject).toBe(`user:${admin.actorId}`);
    expect(
      renewed.map((e) => e.fields),
      kind,
    ).toEqual(old.map((e) => e.fields));
    // The person's values differ between the rounds only by the address's label.
    expect(
      renewed.map((e) => e.plain),
      kind,
    ).toEqual(old.map((e) => e.plain.replaceAll('pat-before@', 'pat-after@')));
  }
});

test('a change of class takes effect at the next write, both ways', async () => {
  const rename = (name: string) =>
    withApp((db) =>
      db.withTenant(tenantId, admin, (tx) =>
        tx.execute(sql`update users set display_name = ${name} where id = ${after.userId}`),
      ),
    );
  const latestUpdate = async () => {
    const { rows } = await owner.query<{ clear: string | null; fields: string[][] }>(
      `select l.new_record ->> 'display_name' as clear, l.personal -> $2 -> 'fields' as fields
       from audit_logs l where l.tenant_id = $1 and l.action = 'users.update'
       order by l.created_at desc, l.seq desc limit 1`,
      [tenantId, `user:${after.userId}`],
    );
    return rows[0];
  };
  await owner.query(`select audit.classify_columns('users', 'ordinary', array['display_name'])`);
  await rename('Shown Name');
  const shown = await latestUpdate();
  expect(shown?.clear).toBe('Shown Name');
  expect(shown?.fields).toContainEqual(['new_record', 'email']);
  expect(shown?.fields).not.toContainEqual(['new_record', 'display_name']);

  await owner.query(`select audit.classify_columns('users', 'personal', array['display_name'])`);
  await rename('Sealed Name');
  const sealed = await latestUpdate();
  expect(sealed?.clear).toBeNull();
  expect(sealed?.fields).toContainEqual(['new_record', 'display_name']);
  expect(
    await opened(
      (
        await owner.query<{ id: string }>(
          `select id from audit_logs where tenant_id = $1 and action = 'users.update' order by created_at desc, seq desc limit 1`,
          [tenantId],
        )
      ).rows[0]?.id ?? '',
    ),
  ).toMatchObject({ 'new_record.display_name': 'Sealed Name' });
});

test('a subject key must name a user id or an email digest exactly: a found key stands for the id check', async () => {
  // 0046's constraint let 36 characters of [0-9a-f-] through; the trigger now trusts a found key's subject.
  await expect(
    owner.query(`insert into audit.subject_keys (tenant_id, subject) values ($1, $2)`, [
      tenantId,
      `user:${'-'.repeat(36)}`,
    ]),
  ).rejects.toMatchObject({ code: '23514' });
  await expect(
    owner.query(`insert into audit.subject_keys (tenant_id, subject) values ($1, $2)`, [
      tenantId,
      'user:3F1C2D4E-0000-4000-8000-0000000000AD',
    ]),
  ).rejects.toMatchObject({ code: '23514' });
});

test('an envelope sealed after 0063 is authenticated: one flipped ciphertext byte does not open', async () => {
  const { rows } = await owner.query<{ data: Buffer; secret: string; personal: Record<string, unknown> }>(
    `select decode(e.value ->> 'data', 'base64') as data, encode(k.secret, 'hex') as secret, l.personal
     from audit_logs l
     cross join lateral jsonb_each(l.personal) e
     join audit.subject_keys k on k.key_id::text = e.value ->> 'key'
     where l.id = $1 and e.key = $2`,
    [after.events.update, `user:${after.userId}`],
  );
  const sealed = rows[0];
  if (!sealed) throw new Error('the update has no envelope for its subject');
  const opens = (data: Buffer) => owner.query('select pgp_sym_decrypt($1::bytea, $2) as v', [data, sealed.secret]);
  await expect(opens(sealed.data)).resolves.toBeTruthy();
  const flipped = Buffer.from(sealed.data);
  const middle = Math.floor(flipped.length / 2);
  flipped[middle] = (flipped[middle] ?? 0) ^ 0x01;
  await expect(opens(flipped)).rejects.toThrow();
  // Through the workspace's own reader, the tampered fields read as unreadable, never as altered values.
  const entry = sealed.personal[`user:${after.userId}`] as Record<string, unknown>;
  const tampered = { ...sealed.personal, [`user:${after.userId}`]: { ...entry, data: flipped.toString('base64') } };
  const revealed = await withApp((db) =>
    db.withTenant(tenantId, admin, (tx) =>
      tx.execute<{ r: Revealed[] }>(sql`select audit.reveal_personal(${JSON.stringify(tampered)}::jsonb) as r`),
    ),
  );
  const fields = revealed.rows[0]?.r ?? [];
  expect(fields.filter((f) => f.path[0] !== 'ip_address').every((f) => f.erased === true)).toBe(true);
});

test('erasing the people makes envelopes from before and after 0063 unreadable, and the chain still verifies', async () => {
  await withApp(async (db) => {
    for (const round of [before, after]) {
      await db.withTenant(tenantId, admin, async (tx) => {
        await tx.execute(sql`update users set is_active = false where id = ${round.userId}`);
        await eraseSubject({ kind: 'user', value: round.userId }, { dryRun: false });
      });
    }
    // A shared server's other transactions can hold the sealing horizon back for a while.
    expect(await db.sealCommittedAuditEvents(120_000)).toBe(true);
  });
  for (const round of [before, after]) {
    for (const kind of ['insert', 'update', 'invite'] as const) {
      const fields = await opened(round.events[kind]);
      // The admin's address stays readable: it is the admin's, sealed under the admin's key.
      expect(fields.ip_address, `${round.email} ${kind}`).toBe('203.0.113.5/32');
      const personOwn = Object.entries(fields).filter(([path]) => path !== 'ip_address');
      expect(personOwn.length).toBeGreaterThan(0);
      expect(
        personOwn.every(([, value]) => value === 'erased'),
        `${round.email} ${kind}`,
      ).toBe(true);
    }
  }
  const verdict = await verifyAuditChain(ownerUrl, { tenantId });
  expect(verdict.intact).toBe(true);
}, 300_000);
