// A change to the deployment sink, the one tracked table without tenant_id,
// is recorded in the system chain (''), and sealing seals it there. From 0070
// to 0073 its capture function wrote the chain "'" instead, and sealing
// refused each such event; 0074 rekeys them and seals the refused ones.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { withDatabase } from '../src/connection-config.ts';
import { OperatorDoor, runDoctor, verifyAuditChain } from '../src/index.ts';
import { runMigrations } from '../src/migrate/run-migrations.ts';
import { adminQuery } from './support/admin-query.ts';
import { expectTreesMatchEvents } from './support/trees-match-events.ts';

const cluster = inject('skillhubTestCluster');

const setSink = (ownerUrl: string, url: string) =>
  OperatorDoor.use(ownerUrl, (door) =>
    door.setDeploymentSink({ url, format: 'jsonl', signingSecret: null, fromLeaf: 0 }),
  );

type SinkEvent = { id: string; tenant_id: string; chain: string | null; refused: boolean };
const sinkEvents = async (owner: pg.Client) =>
  (
    await owner.query<SinkEvent>(
      `select l.id, l.tenant_id, s.chain, exists (select from audit.refused_events r where r.event_id = l.id) as refused
       from audit_logs l left join audit.seals s on s.event_id = l.id
       where l.table_name = 'deployment_sink' order by l.txid, l.seq`,
    )
  ).rows;

const sealAll = async (owner: pg.Client) => {
  while ((await owner.query<{ n: number }>('select audit.seal_pending(10000) as n')).rows[0]?.n) {}
};

/** A database of its own, migrated up to `upTo` (all when undefined), with an owner connection. */
const freshDatabase = async (label: string, upTo?: string) => {
  const name = `skillhub_sink_chain_${label}_${cluster.runId}_${randomBytes(4).toString('hex')}`;
  await adminQuery(`create database ${name}`);
  const ownerUrl = withDatabase(cluster.adminUrl, name);
  await runMigrations(ownerUrl, cluster.appRole, upTo ? { upTo } : {});
  const owner = new pg.Client({ connectionString: ownerUrl });
  await owner.connect();
  return {
    ownerUrl,
    owner,
    drop: async () => {
      await owner.end();
      await adminQuery(`drop database if exists ${name} with (force)`);
    },
  };
};

const expectSystemChainSound = async (ownerUrl: string, owner: pg.Client) => {
  const refusedCheck = (await runDoctor({ ownerUrl, runtimeRole: cluster.appRole.name })).find(
    (r) => r.check === 'sealing_refused',
  );
  expect(refusedCheck).toMatchObject({ ok: true });
  const verdict = await verifyAuditChain(ownerUrl);
  expect(verdict.chains.filter((c) => !c.intact)).toEqual([]);
  expect(verdict.chains.find((c) => c.chain === '')?.unsealed).toBe(0);
  await expectTreesMatchEvents((text) => owner.query(text));
};

describe('on the current schema', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  beforeAll(async () => {
    db = await freshDatabase('now');
  }, 300_000);
  afterAll(async () => db?.drop());

  test("the operator's sink changes are sealed in the system chain, none refused", async () => {
    await setSink(db.ownerUrl, 'syslog://127.0.0.1:9');
    await setSink(db.ownerUrl, 'syslog://127.0.0.1:10');
    await sealAll(db.owner);
    const events = await sinkEvents(db.owner);
    expect(events).toHaveLength(2);
    for (const e of events) expect(e).toMatchObject({ tenant_id: '', chain: '', refused: false });
    await expectSystemChainSound(db.ownerUrl, db.owner);
  });
});

describe('migrating a ledger that 0070-0073 misfiled', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let refusedId: string;
  let pendingId: string;
  beforeAll(async () => {
    db = await freshDatabase('upgrade', '0073_seal_set_keys_hold_chain');
    await setSink(db.ownerUrl, 'syslog://127.0.0.1:9');
    await sealAll(db.owner);
    await setSink(db.ownerUrl, 'syslog://127.0.0.1:10');
    const misfiled = await sinkEvents(db.owner);
    // What the bug did: both under "'", the first refused by sealing, the second still pending.
    expect(misfiled.map((e) => [e.tenant_id, e.chain, e.refused])).toEqual([
      ["'", null, true],
      ["'", null, false],
    ]);
    [refusedId, pendingId] = misfiled.map((e) => e.id) as [string, string];
    await runMigrations(db.ownerUrl, cluster.appRole);
    await sealAll(db.owner);
  }, 600_000);
  afterAll(async () => db?.drop());

  test('both events are in the system chain, the refused one sealed at its head, and every chain verifies', async () => {
    const events = await sinkEvents(db.owner);
    expect(events.map((e) => [e.id, e.tenant_id, e.chain])).toEqual([
      [refusedId, '', ''],
      [pendingId, '', ''],
    ]);
    await expectSystemChainSound(db.ownerUrl, db.owner);
  });

  test('the migration says what it moved, and new sink changes go to the system chain', async () => {
    const { rows } = await db.owner.query<{ tenant_id: string; metadata: Record<string, unknown> }>(
      `select tenant_id, metadata from audit_logs
        where action = 'audit.system_chain_rekeyed' and metadata ->> 'migration' = '0074'`,
    );
    expect(rows).toEqual([
      {
        tenant_id: '',
        metadata: { migration: '0074', from: "'", to: '', rows: { audit_logs: 2 }, sealed_after_refusal: 1 },
      },
    ]);
    await setSink(db.ownerUrl, 'syslog://127.0.0.1:11');
    await sealAll(db.owner);
    expect((await sinkEvents(db.owner)).at(-1)).toMatchObject({ tenant_id: '', chain: '', refused: false });
    await expectSystemChainSound(db.ownerUrl, db.owner);
  });
});
