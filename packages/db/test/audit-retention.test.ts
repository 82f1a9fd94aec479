import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  applyRetention,
  type CheckpointSigner,
  checkpointOrigin,
  type Database,
  generateSignerKey,
  listLegalHolds,
  listRetentionRecords,
  parseRetentionNote,
  parseSignerKey,
  parseVerifierKey,
  placeLegalHold,
  type RequestActor,
  readTenantCheckpoint,
  recordAuditEvent,
  releaseLegalHold,
  retentionNoteSignedBy,
  signNote,
  sql,
  systemActor,
  tenantConsistencyProof,
  tenantInclusionProof,
  verifierKey,
  verifyAuditChain,
  verifyTenantAuditChain,
} from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';
import { untilWaitingOnAdvisoryLock } from './support/advisory-lock-waiter.ts';
import { referenceLeaf, verifyConsistency, verifyInclusion } from './support/rfc9162-reference.ts';
import { actor } from './support/tenant-rows.ts';

/**
 * Retention (migration 0048): expired events leave only as a prefix of the
 * chain's leaves, through audit.apply_retention, under a signed record;
 * what remains verifies, the removal is provable, and anything removed
 * outside a trusted record is still tampering.
 */
let testDb: TestDatabase;
let db: Database;
let tenantId: string;
const signer: CheckpointSigner = {
  deployment: 'audit.example',
  key: parseSignerKey(generateSignerKey('audit.example')),
};
const keys = [parseVerifierKey(verifierKey(signer.key))];
const bounds = { minDays: 30, maxDays: null };
const operator = systemActor('retention');

const asSuperuser = (statements: string) =>
  testDb.ownerQuery(`begin; set local session_replication_role = replica; ${statements}; commit;`);

/** The tenant's creation event and `old` more, written 40 days ago (before sealing), then `fresh` now. */
async function writeHistory(old: number, fresh: number) {
  await asSuperuser(`update audit_logs set created_at = now() - interval '40 days' where tenant_id = '${tenantId}';
    insert into audit_logs (tenant_id, action, resource_type, resource_id, actor_type, actor_id, metadata, created_at)
    select '${tenantId}', 'skill.updated', 'skill', 's-' || g, 'user', case when g = 7 then 'held-user' end, '{}',
           now() - interval '40 days'
    from generate_series(1, ${old}) g`);
  await db.withTenant(tenantId, actor(), async () => {
    for (let i = 0; i < fresh; i++) await recordAuditEvent({ action: 'skill.updated', resourceType: 'skill' });
  });
  await sealAndSign();
}

async function sealAndSign() {
  expect(await db.sealCommittedAuditEvents()).toBe(true);
  await db.signAuditCheckpoints(signer);
}

const setPolicy = (days: number | null) =>
  testDb.ownerQuery(
    `insert into site_settings (tenant_id, display_name, audit_retention_days) values ($1, 'Acme', $2)
     on conflict (tenant_id) do update set audit_retention_days = excluded.audit_retention_days`,
    [tenantId, days],
  );

const run = (options: { dryRun?: boolean } = {}, on: Database = db) =>
  on.withTenant(tenantId, operator, () => applyRetention(signer, bounds, options));

const verify = () => verifyAuditChain(testDb.ownerUrl, { tenantId, retentionKeys: keys });

const remainingEvents = async () =>
  Number(
    (await testDb.ownerQuery<{ n: string }>(`select count(*) as n from audit_logs where tenant_id = $1`, [tenantId]))
      .rows[0]?.n,
  );

beforeEach(async () => {
  testDb = await createTestDatabase();
  db = await testDb.openApp();
  tenantId = (await db.platform.createTenant({ name: 'Acme', slug: 'acme' }, systemActor('test'))).id;
});
afterEach(async () => {
  await db.close();
  await testDb.drop();
});

describe('retention', () => {
  test('removes exactly the expired prefix under a signed record, and what remains still verifies', async () => {
    await writeHistory(20, 5);
    await setPolicy(30);
    const dry = await run({ dryRun: true });
    expect(dry).toMatchObject({ status: 'would-remove', startLeaf: 0, endLeaf: 21, eventsRemoved: 0 });
    // The tenant's creation and 20 old events, 5 fresh ones, and the policy's own change.
    expect(await remainingEvents()).toBe(27);

    const outcome = await run();
    expect(outcome).toMatchObject({ status: 'removed', startLeaf: 0, endLeaf: 21, eventsRemoved: 21, keepDays: 30 });
    // The 5 fresh events, the policy change and the retention_applied event stay; nothing older does.
    expect(await remainingEvents()).toBe(7);
    await sealAndSign();

    const [record] = await db.withTenant(tenantId, actor(), () => listRetentionRecords());
    const note = parseRetentionNote(record?.note ?? '');
    expect(note).toMatchObject({ startLeaf: 0, endLeaf: 21, keepDays: 30, origin: `audit.example/audit/${tenantId}` });
    expect(retentionNoteSignedBy(note, keys)).toBe(true);
    expect(retentionNoteSignedBy(note, [parseVerifierKey(verifierKey(parseSignerKey(generateSignerKey('x'))))])).toBe(
      false,
    );
    const { rows } = await testDb.ownerQuery<{ chain_hash: Buffer }>(
      'select chain_hash from audit.seals where chain = $1 and position = 21',
      [tenantId],
    );
    expect(note.chainHash.equals(rows[0]?.chain_hash as Buffer)).toBe(true);

    const result = await verify();
    expect(result.intact).toBe(true);
    expect(result.chains[0]?.events).toBe(7);
    expect(result.chains[0]?.removed).toEqual([expect.objectContaining({ startLeaf: 0, endLeaf: 21 })]);
    const tenantVerdict = await db.withTenant(tenantId, actor(), () => verifyTenantAuditChain({ retentionKeys: keys }));
    expect(tenantVerdict.intact).toBe(true);
    const applied = await testDb.ownerQuery<{ metadata: { eventsRemoved: number } }>(
      `select metadata from audit_logs where tenant_id = $1 and action = 'audit.retention_applied'`,
      [tenantId],
    );
    expect(applied.rows[0]?.metadata.eventsRemoved).toBe(21);
  });

  test('after a removal, inclusion proofs of what remains and consistency from before the removal still verify', async () => {
    await writeHistory(20, 5);
    await setPolicy(30);
    const before = await db.withTenant(tenantId, actor(), () => readTenantCheckpoint());
    expect((await run()).status).toBe('removed');
    await db.withTenant(tenantId, actor(), () => recordAuditEvent({ action: 'skill.updated', resourceType: 'skill' }));
    await sealAndSign();
    await db.withTenant(tenantId, actor(), async () => {
      const latest = await readTenantCheckpoint();
      if (!before || !latest) throw new Error('no checkpoint');
      expect(latest.treeSize).toBeGreaterThan(before.treeSize);
      const proof = await tenantConsistencyProof(before.treeSize, latest.treeSize);
      expect(verifyConsistency(before.treeSize, latest.treeSize, before.rootHash, latest.rootHash, proof)).toBe(true);
      const { rows } = await testDb.ownerQuery<{ id: string }>(
        `select id from audit_logs where tenant_id = $1 order by seq limit 3`,
        [tenantId],
      );
      for (const { id } of rows) {
        const inclusion = await tenantInclusionProof(id, latest.treeSize);
        if (!inclusion) throw new Error(`no proof for ${id}`);
        const leaf = referenceLeaf(Buffer.from(inclusion.canonical));
        expect(verifyInclusion(inclusion.leafIndex, latest.treeSize, leaf, inclusion.proof, latest.rootHash)).toBe(
          true,
        );
      }
    });
  });

  test('running twice, or from two processes at once, removes once', async () => {
    await writeHistory(20, 2);
    await setPolicy(30);
    const other = await testDb.openApp();
    try {
      const outcomes = await Promise.all([run(), run({}, other)]);
      expect(outcomes.map((o) => o.status).sort()).toEqual(['nothing-expired', 'removed']);
      expect((await run()).status).toBe('nothing-expired');
    } finally {
      await other.close();
    }
    const records = await db.withTenant(tenantId, actor(), () => listRetentionRecords());
    expect(records).toHaveLength(1);
    await sealAndSign();
    expect((await verify()).intact).toBe(true);
  });

  test('a plain DELETE is still refused, to the owner too, and the runtime role has no way in', async () => {
    await writeHistory(3, 0);
    await expect(testDb.ownerQuery(`delete from audit_logs where tenant_id = '${tenantId}'`)).rejects.toThrow(
      /append-only/,
    );
    await expect(
      db.withTenant(tenantId, actor(), (tx) => tx.execute(`delete from audit_logs` as never)),
    ).rejects.toThrow();
    // A note the plan did not produce (here: the range widened) is refused by the door.
    await setPolicy(30);
    const refusal = await db
      .withTenant(tenantId, operator, (tx) =>
        tx.execute(`select audit.apply_retention(E'x\\nretention 0 99\\n\\n\\u2014 k AAAA\\n', 30)` as never),
      )
      .catch((error: unknown) => String((error as { cause?: unknown }).cause));
    expect(refusal).toMatch(/does not state what retention may remove/);
    expect(await remainingEvents()).toBe(5);
  });

  test('nothing leaves without a policy, or before a checkpoint covers it', async () => {
    await writeHistory(5, 0);
    expect((await run()).status).toBe('no-policy');
    // The policy set and three more old events sealed, with no checkpoint over them yet.
    await asSuperuser(`insert into site_settings (tenant_id, audit_retention_days) values ('${tenantId}', 30);
      insert into audit_logs (tenant_id, action, created_at)
      select '${tenantId}', 'skill.updated', now() - interval '40 days' from generate_series(1, 3)`);
    expect(await db.sealCommittedAuditEvents()).toBe(true);
    const outcome = await run();
    expect(outcome).toMatchObject({ status: 'removed', endLeaf: 6, expiredEnd: 9 });
    expect(outcome.blockedBy).toMatch(/no signed checkpoint/);
  });

  test('a legal hold on the workspace blocks retention, and on a subject stops it before their first event', async () => {
    await writeHistory(20, 1);
    await setPolicy(30);
    const hold = await db.withTenant(tenantId, operator, () => placeLegalHold(null, 'litigation 2026-114'));
    const blocked = await run();
    expect(blocked).toMatchObject({ status: 'blocked', endLeaf: 0 });
    expect(blocked.blockedBy).toMatch(/legal hold/);
    expect(await remainingEvents()).toBeGreaterThan(20);

    await db.withTenant(tenantId, operator, async () => {
      await placeLegalHold('Held-User', 'custodian of record');
      expect(await releaseLegalHold(hold.id, 'settled')).toBe(true);
      expect(await releaseLegalHold(hold.id, 'again')).toBe(false);
    });
    // Event 7 of the old ones (leaf 7) names held-user as its actor: leaves 0..6 go, 7 stays.
    const stopped = await run();
    expect(stopped).toMatchObject({ status: 'removed', startLeaf: 0, endLeaf: 7 });
    expect(stopped.blockedBy).toMatch(/subject held-user/);
    const holds = await db.withTenant(tenantId, actor(), () => listLegalHolds());
    expect(holds.map((h) => [h.subject, h.releasedAt === null])).toEqual([
      ['held-user', true],
      [null, false],
    ]);
    const onHold = await testDb.ownerQuery<{ held: boolean }>(`select audit.subject_on_hold($1, 'HELD-USER') as held`, [
      tenantId,
    ]);
    expect(onHold.rows[0]?.held).toBe(true);
    const actions = await testDb.ownerQuery<{ action: string }>(
      `select action from audit_logs where tenant_id = $1 and action like 'legal_hold.%' order by seq`,
      [tenantId],
    );
    expect(actions.rows.map((r) => r.action)).toEqual([
      'legal_hold.placed',
      'legal_hold.placed',
      'legal_hold.released',
    ]);
    await sealAndSign();
    expect((await verify()).intact).toBe(true);
  });

  test('a member cannot place a hold, and a hold can be neither deleted nor edited', async () => {
    const refusal = await db
      .withTenant(tenantId, { ...actor(), role: 'member' }, () => placeLegalHold(null, 'no'))
      .catch((error: unknown) => String((error as { cause?: unknown }).cause));
    expect(refusal).toMatch(/only a workspace owner or admin/);
    const hold = await db.withTenant(tenantId, operator, () => placeLegalHold(null, 'keep'));
    await expect(testDb.ownerQuery(`delete from audit.legal_holds where id = '${hold.id}'`)).rejects.toThrow(
      /keeps every hold/,
    );
    await expect(
      testDb.ownerQuery(`update audit.legal_holds set reason = 'other' where id = '${hold.id}'`),
    ).rejects.toThrow(/keeps every hold/);
  });

  test('a receiver that has not acknowledged the range holds it back', async () => {
    await writeHistory(20, 1);
    await setPolicy(30);
    await testDb.ownerQuery(
      `insert into audit_sinks (tenant_id, id, name, url, signing_secret)
       values ($1, '00000000-0000-4000-8000-000000000001', 'siem', 'https://siem.example/hook', 'v1.0123456789abcdef.x');
       insert into audit_sink_cursors (tenant_id, sink_id, delivered_through)
       values ($1, '00000000-0000-4000-8000-000000000001', 9)`.replaceAll('$1', `'${tenantId}'`),
    );
    const outcome = await run();
    expect(outcome).toMatchObject({ status: 'removed', endLeaf: 10 });
    expect(outcome.blockedBy).toMatch(/sink "siem" has acknowledged leaves up to 9/);
    // The deployment sink, seen for this chain for the first time, has received nothing: nothing more leaves.
    await testDb.ownerQuery(
      `update audit_sink_cursors set delivered_through = 30;
       insert into platform.deployment_sink (url) values ('syslog://logs.example:514')`,
    );
    const held = await run();
    expect(held).toMatchObject({ status: 'blocked', startLeaf: 10, endLeaf: 10 });
    expect(held.blockedBy).toMatch(/deployment sink/);
  });
});

describe('verification after retention reports tampering still', () => {
  beforeEach(async () => {
    await writeHistory(20, 5);
    await setPolicy(30);
    await run();
    await sealAndSign();
  });

  test('without the keys, a removed range proves nothing', async () => {
    const result = await verifyAuditChain(testDb.ownerUrl, { tenantId });
    expect(result.intact).toBe(false);
    expect(result.chains[0]?.break?.kind).toBe('forged');
  });

  test('an event deleted outside any record (triggers off) is missing', async () => {
    await asSuperuser(`delete from audit_logs where id = (select event_id from audit.seals
      where chain = '${tenantId}' and position = 23)`);
    const result = await verify();
    expect(result.chains[0]?.break).toMatchObject({ kind: 'missing', position: 23 });
  });

  test('a record whose range does not match what is missing, or that is forged, is tampering', async () => {
    // Widening the record's row past what its note signs.
    await asSuperuser(`update audit.retention_records set end_leaf = 23 where chain = '${tenantId}'`);
    expect((await verify()).chains[0]?.break?.kind).toBe('forged');
    await asSuperuser(`update audit.retention_records set end_leaf = 21 where chain = '${tenantId}'`);
    expect((await verify()).intact).toBe(true);
    // A second record, forged (signed by another key), "covering" a deleted event.
    const forger = parseSignerKey(generateSignerKey('audit.example'));
    const [record] = await db.withTenant(tenantId, actor(), () => listRetentionRecords());
    const body = parseRetentionNote(record?.note ?? '').body.replace('retention 0 21', 'retention 21 23');
    const forged = signNote(forger, body);
    await asSuperuser(`insert into audit.retention_records (chain, start_leaf, end_leaf, removed_at, keep_days, cutoff,
        checkpoint_size, checkpoint_root, chain_hash, key_id, note, events_removed)
      select chain, 21, 23, removed_at, keep_days, cutoff, checkpoint_size, checkpoint_root, chain_hash,
             '${forger.id.toString('hex')}', $n$${forged}$n$, 2 from audit.retention_records where chain = '${tenantId}';
      delete from audit_logs where id in (select event_id from audit.seals where chain = '${tenantId}'
        and position in (22, 23))`);
    const result = await verify();
    expect(result.chains[0]?.break?.kind).toBe('forged');
    expect(result.chains[0]?.break?.detail).toMatch(/not signed by a trusted key/);
  });

  test('a record stripped of its signature is tampering', async () => {
    await asSuperuser(`update audit.retention_records set note = split_part(note, E'\\n\\n', 1) || E'\\n\\n'
      where chain = '${tenantId}'`);
    const result = await verify();
    expect(result.chains[0]?.break).toMatchObject({ kind: 'forged' });
    expect(result.chains[0]?.break?.detail).toMatch(/not one/);
  });

  test('an event still present inside a removed range means the record lies', async () => {
    await asSuperuser(`insert into audit_logs (id, txid, tenant_id, action, created_at)
      select s.event_id, s.txid, '${tenantId}', 'x', now() from audit.seals s where s.chain = '${tenantId}' and s.position = 3`);
    const result = await verify();
    expect(result.chains[0]?.break?.kind).toBe('forged');
  });
});

describe('attacks on the retention doors from the runtime role', () => {
  const member: RequestActor = { ...actor('member-1'), role: 'member' };
  const refusalOf = (work: Promise<unknown>) =>
    work.then(
      () => 'accepted',
      (error: unknown) => String((error as { cause?: unknown }).cause ?? error),
    );

  /** Events five days old: inside any policy the deployment allows (at least 30 days). */
  async function writeRecentHistory(count: number) {
    await asSuperuser(`update audit_logs set created_at = now() - interval '5 days' where tenant_id = '${tenantId}';
      insert into audit_logs (tenant_id, action, resource_type, actor_type, created_at)
      select '${tenantId}', 'skill.updated', 'skill', 'user', now() - interval '5 days' from generate_series(1, ${count})`);
    await sealAndSign();
  }

  test('SQL in a request cannot shorten the policy, then plan and apply a removal of unexpired events under a forged note', async () => {
    await writeRecentHistory(10);
    await setPolicy(365);
    const before = await remainingEvents();
    // The deployment's minimum is the server's: SQL passes 1 instead, and signs with 68 bytes of nothing.
    const attack = (who: RequestActor) =>
      db.withTenant(tenantId, who, async (tx) => {
        await tx.execute(`update site_settings set audit_retention_days = 1` as never);
        const origin = checkpointOrigin(signer.deployment, tenantId);
        const { rows } = await tx.execute<{ body: string | null }>(
          sql`select body from audit.retention_plan(${origin}, 1)`,
        );
        const note = `${rows[0]?.body}\n\u2014 audit.example ${Buffer.alloc(68, 7).toString('base64')}\n`;
        await tx.execute(sql`select audit.apply_retention(${note}, 1)`);
      });
    expect(await refusalOf(attack(member))).toMatch(/only a workspace owner or admin/);
    // An admin's request too: only the server's retention run (a system actor) applies retention.
    expect(await refusalOf(attack({ ...member, role: 'owner' }))).toMatch(/only the server's retention run/);
    expect(await remainingEvents()).toBe(before);
    expect(await db.withTenant(tenantId, actor(), () => listRetentionRecords())).toEqual([]);
  });

  test('a member cannot change the policy through SQL; an owner, the operator and the retention run can', async () => {
    await setPolicy(365);
    const setBy = (who: RequestActor, days: number) =>
      refusalOf(
        db.withTenant(tenantId, who, (tx) => tx.execute(sql`update site_settings set audit_retention_days = ${days}`)),
      );
    expect(await setBy(member, 30)).toMatch(/only a workspace owner or admin/);
    expect(await setBy({ ...member, actorType: 'api_key', role: null }, 30)).toMatch(/only a workspace owner or admin/);
    expect(await setBy({ ...member, role: 'admin' }, 200)).toBe('accepted');
    expect(await setBy(operator, 100)).toBe('accepted');
    const { rows } = await testDb.ownerQuery<{ days: number }>(
      `select audit_retention_days as days from site_settings where tenant_id = $1`,
      [tenantId],
    );
    expect(rows[0]?.days).toBe(100);
  });

  test('a hold placed while a removal runs waits for that removal to end, then goes in', async () => {
    await writeHistory(20, 1);
    await setPolicy(30);
    const before = await remainingEvents();
    const other = await testDb.openApp();
    try {
      let holdSettled = false;
      let hold: Promise<unknown> = Promise.resolve();
      await db.withTenant(tenantId, operator, async (tx) => {
        const origin = checkpointOrigin(signer.deployment, tenantId);
        const { rows } = await tx.execute<{ body: string }>(sql`select body from audit.retention_plan(${origin}, 30)`);
        expect(rows[0]?.body).toMatch(/^retention 0 21$/m);
        // Its own transaction on another connection (a nested withTenant would join this one).
        hold = other
          .withTenantIndependently(tenantId, actor(), () => placeLegalHold(null, 'subpoena served mid-run'))
          .finally(() => {
            holdSettled = true;
          });
        await untilWaitingOnAdvisoryLock(testDb, () => holdSettled);
        // Before 0059 the hold went in here, unseen by the removal about to commit.
        expect(holdSettled).toBe(false);
        await tx.execute(sql`select audit.apply_retention(${signNote(signer.key, rows[0]?.body ?? '')}, 30)`);
      });
      await hold;
      expect(await remainingEvents()).toBeLessThan(before);
      const holds = await db.withTenant(tenantId, actor(), () => listLegalHolds());
      expect(holds.filter((h) => h.releasedAt === null)).toHaveLength(1);
    } finally {
      await other.close();
    }
  });
});

test('a hold on an address stops retention before an event whose copy of the address is sealed in its envelope', async () => {
  await db.withTenant(tenantId, actor(), async () => {
    for (const email of [null, null, 'Invitee@Example.com', null]) {
      await recordAuditEvent({
        action: 'invitation.created',
        resourceType: 'invitation',
        metadata: email ? { email } : {},
      });
    }
  });
  await asSuperuser(`update audit_logs set created_at = now() - interval '40 days' where tenant_id = '${tenantId}'`);
  await sealAndSign();
  await setPolicy(30);
  await db.withTenant(tenantId, operator, () => placeLegalHold('invitee@example.com', 'custodian of record'));
  const { rows } = await testDb.ownerQuery<{ leaf: string; clear: string | null }>(
    `select s.position - 1 as leaf, l.metadata ->> 'email' as clear from audit_logs l
     join audit.seals s on s.event_id = l.id where l.subject_id like 'email:%' and l.tenant_id = $1`,
    [tenantId],
  );
  // The address is no longer in the row in clear: only the envelope's subject names the person.
  expect(rows).toEqual([{ leaf: expect.any(String), clear: null }]);
  const outcome = await run();
  expect(outcome).toMatchObject({ status: 'removed', startLeaf: 0, endLeaf: Number(rows[0]?.leaf) });
  expect(outcome.blockedBy).toMatch(/subject invitee@example.com/);
});
