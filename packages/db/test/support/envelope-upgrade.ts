// Envelopes sealed by the trigger before a migration that rewrites how
// personal fields are sealed must still open after it; the new ones must
// open to the same fields and values, stay authenticated (a flipped
// ciphertext byte does not open), and erasure must still make both kinds
// unreadable while the chain verifies. One database per file, migrated up
// to the migration before, written to, migrated the rest of the way and
// written to again.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { withCredentials, withDatabase } from '../../src/connection-config.ts';
import { Database, eraseSubject, type RequestActor, sql, systemActor, verifyAuditChain } from '../../src/index.ts';
import { runMigrations } from '../../src/migrate/run-migrations.ts';
import { readContextKey } from '../../src/tenant-context/context-key.ts';
import { adminQuery } from './admin-query.ts';
import { recordEventThrough0023 } from './event-door-0023.ts';

export type Revealed = { path: string[]; value?: unknown; erased?: boolean };
/** The events one round writes about one person, by kind. */
export type Round = { email: string; userId: string; events: Record<'insert' | 'update' | 'invite', string> };

/**
 * Sets up the database around `sealingMigration` (a journal tag) for the
 * calling test file and returns what its tests read, with the shared tests
 * to register: `openingTests` first, the file's own, then `erasureTest`
 * (it destroys the keys).
 */
export function envelopeUpgradeAcross(sealingMigration: string) {
  const number = sealingMigration.slice(0, 4);
  const cluster = inject('skillhubTestCluster');
  const dbName = `skillhub_envelope_${number}_${cluster.runId}_${randomBytes(4).toString('hex')}`;
  const ownerUrl = withDatabase(cluster.adminUrl, dbName);
  const appUrl = withCredentials(ownerUrl, cluster.appRole);

  const admin: RequestActor = {
    actorType: 'user',
    actorId: '3f1c2d4e-0000-4000-8000-0000000000ad',
    role: 'owner',
    requestId: 'req-upgrade',
    ip: '203.0.113.5',
  };

  let owner: pg.Client;
  let tenantId: string;
  let before: Round;
  let after: Round;

  /** The tag of the migration applied just before the sealing migration, read from the journal the runner follows. */
  const migrationBeforeSealing = async () => {
    const { default: journal } = await import('../../migrations/meta/_journal.json', { with: { type: 'json' } });
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
        await recordEventThrough0023(tx, { action: 'user.invited', resourceType: 'invitation', metadata: { email } });
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

  return {
    admin,
    owner: () => owner,
    tenantId: () => tenantId,
    before: () => before,
    after: () => after,
    withApp,
    opened,
    openingTests: () => {
      test(`envelopes sealed before ${number} open after it, to the same fields and values as those sealed after it`, async () => {
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

      test(`an envelope sealed after ${number} is authenticated: one flipped ciphertext byte does not open`, async () => {
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
        const opens = (data: Buffer) =>
          owner.query('select pgp_sym_decrypt($1::bytea, $2) as v', [data, sealed.secret]);
        await expect(opens(sealed.data)).resolves.toBeTruthy();
        const flipped = Buffer.from(sealed.data);
        const middle = Math.floor(flipped.length / 2);
        flipped[middle] = (flipped[middle] ?? 0) ^ 0x01;
        await expect(opens(flipped)).rejects.toThrow();
        // Through the workspace's own reader, the tampered fields read as unreadable, never as altered values.
        const entry = sealed.personal[`user:${after.userId}`] as Record<string, unknown>;
        const tampered = {
          ...sealed.personal,
          [`user:${after.userId}`]: { ...entry, data: flipped.toString('base64') },
        };
        const revealed = await withApp((db) =>
          db.withTenant(tenantId, admin, (tx) =>
            tx.execute<{ r: Revealed[] }>(sql`select audit.reveal_personal(${JSON.stringify(tampered)}::jsonb) as r`),
          ),
        );
        const fields = revealed.rows[0]?.r ?? [];
        expect(fields.filter((f) => f.path[0] !== 'ip_address').every((f) => f.erased === true)).toBe(true);
      });
    },
    erasureTest: () => {
      test(`erasing the people makes envelopes from before and after ${number} unreadable, and the chain still verifies`, async () => {
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
    },
  };
}
