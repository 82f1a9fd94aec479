// The month plan by index probes (migration 0062): what it finds without
// reading every event of the month must be what reading them found. Each
// test writes the edge it names in transactions of its own (so (txid, seq)
// order is the order written) and checks the plan's answer, the door's
// records and what is left.
import { afterEach, beforeEach, expect, test } from 'vitest';
import {
  type CheckpointSigner,
  type Database,
  generateSignerKey,
  type MonthRetirement,
  OperatorDoor,
  parseSignerKey,
  parseVerifierKey,
  placeLegalHold,
  retireOldestLedgerMonth,
  systemActor,
  verifierKey,
  verifyAuditChain,
} from '../src/index.ts';
import { createTestDatabase, ledgerHistoryBeforeSql, type TestDatabase } from '../src/testing/index.ts';

let testDb: TestDatabase;
let db: Database;
let a: string;
let b: string;
let c: string;
/** Month starts, UTC: months[0] is five months ago. */
let months: Date[];
const signer: CheckpointSigner = {
  deployment: 'audit.example',
  key: parseSignerKey(generateSignerKey('audit.example')),
};
const keys = [parseVerifierKey(verifierKey(signer.key))];
const bounds = { minDays: 30, maxDays: null };

const owner = <R extends Record<string, unknown>>(text: string, values?: unknown[]) =>
  testDb.ownerQuery<R>(text, values);

/** `n` events of `tenant` (null: the system chain) in month `month` (or now), in a transaction of their own. */
async function write(tenant: string | null, month: number | 'now', n = 1, actorId = 'someone') {
  const at = month === 'now' ? 'now()' : `'${months[month]?.toISOString()}'::timestamptz + interval '10 days'`;
  await owner(
    `begin; set local session_replication_role = replica;
     insert into audit_logs (tenant_id, action, resource_type, actor_type, actor_id, metadata, created_at)
     select '${tenant ?? ''}', 'skill.updated', 'skill', 'user', '${actorId}', '{}',
            ${at} + make_interval(hours => g)
     from generate_series(1, ${n}) g; commit;`,
  );
}

const sealAndSign = async () => {
  // Everything written so far, sealed (another test file's transactions on the cluster may hold the horizon back).
  expect(await db.sealCommittedAuditEvents(60_000)).toBe(true);
  await db.signAuditCheckpoints(signer);
};
const retireOldest = (dryRun = false) =>
  db.ledgerRetention((tx) => retireOldestLedgerMonth(tx, signer, bounds, { dryRun })) as Promise<MonthRetirement>;
const record = async (chain: string) =>
  (
    await owner<{ start_leaf: string; end_leaf: string; events_removed: string }>(
      'select start_leaf, end_leaf, events_removed from audit.retention_records where chain = $1 order by start_leaf',
      [chain],
    )
  ).rows;
const monthEvents = async (chain: string) =>
  Number(
    (
      await owner<{ n: string }>(
        'select count(*) as n from audit_logs where tenant_id = $1 and created_at >= $2 and created_at < $3',
        [chain, months[0], months[1]],
      )
    ).rows[0]?.n,
  );
const position = async (chain: string, action: string) =>
  Number(
    (
      await owner<{ p: string }>(
        `select s.position as p from audit.seals s join audit_logs l on l.id = s.event_id
         where s.chain = $1 and l.action = $2`,
        [chain, action],
      )
    ).rows[0]?.p,
  );

/**
 * Three workspaces and the system chain with events in months 0 and 1 (c
 * in month 0 only), every existing event moved into month 0, every chain
 * with a 30-day policy; nothing sealed yet.
 */
beforeEach(async () => {
  testDb = await createTestDatabase();
  db = await testDb.openApp();
  const { rows } = await owner<{ m: Date }>(
    `select (date_trunc('month', now() at time zone 'UTC') - make_interval(months => 5 - g)) at time zone 'UTC' as m
     from generate_series(0, 5) g order by g`,
  );
  months = rows.map((r) => new Date(r.m));
  const first = months[0]?.toISOString() ?? '';
  await owner(ledgerHistoryBeforeSql(first, 8));
  const ids = [];
  for (const slug of ['a', 'b', 'c']) {
    ids.push((await db.platform.createTenant({ name: slug, slug }, systemActor('test'))).id);
  }
  [a = '', b = '', c = ''] = ids;
  await owner(`begin; set local session_replication_role = replica;
    update audit_logs set created_at = '${first}'::timestamptz + interval '1 hour' where created_at >= '${first}';
    commit;`);
  for (const tenant of [a, b, c]) {
    await owner(`insert into site_settings (tenant_id, display_name, audit_retention_days) values ($1, 'x', 30)`, [
      tenant,
    ]);
  }
  await OperatorDoor.use(testDb.ownerUrl, (door) => door.setSystemRetention(30, bounds, systemActor('operator')));
  // The policy changes above are events of now: moved into month 0 as well, they precede every test's events.
  await owner(`begin; set local session_replication_role = replica;
    update audit_logs set created_at = '${first}'::timestamptz + interval '2 hours' where created_at >= '${first}';
    commit;`);
  for (const tenant of [a, b, c, null]) await write(tenant, 0, 3);
  for (const tenant of [a, b, null]) await write(tenant, 1, 2);
});
afterEach(async () => {
  await db.close();
  await testDb.drop();
});

test('an event of the month written after sealing keeps the month until it is sealed', async () => {
  await sealAndSign();
  await write(b, 0);
  const blocked = await retireOldest(true);
  expect(blocked.status).toBe('blocked');
  expect(blocked.blockedBy).toBe(`chain ${b}: 1 of its events in the month are not sealed yet`);
  const inMonth = await monthEvents(b);
  expect(blocked.chains.find((chain) => chain.chain === b)?.events).toBe(inMonth);

  await sealAndSign();
  const retired = await retireOldest();
  expect(retired.status).toBe('retired');
  expect(retired.chains.find((chain) => chain.chain === b)?.events).toBe(inMonth);
  expect(
    (await owner('select from audit_logs where tenant_id = $1 and created_at < $2', [b, months[1]])).rowCount,
  ).toBe(0);
});

test('an event of the month that sealing refused (its workspace does not exist) keeps the month', async () => {
  await write('no-such-workspace', 0);
  await sealAndSign();
  const blocked = await retireOldest(true);
  expect(blocked.status).toBe('blocked');
  expect(blocked.blockedBy).toBe('chain no-such-workspace: 1 of its events in the month are not sealed yet');
});

test("a later month's events sealed among the month's: those before the chain's last leaf leave, the others stay", async () => {
  // Written in this order: b's event of month 1 sealed before its last of month 0 (inside its range), b's
  // last of month 0, b's event of month 1 sealed after it, then a's of month 0, so the month's last
  // (txid, seq) lies past b's last leaf in the month.
  await writeTagged(b, 1, 'inside');
  await writeTagged(b, 0, 'last-of-month');
  await writeTagged(b, 1, 'after');
  await write(a, 0);
  await sealAndSign();
  const lastLeaf = await position(b, 'last-of-month');
  const inMonth = await monthEvents(b);
  const outside = Number(
    (
      await owner<{ n: string }>(
        `select count(*) as n from audit_logs l join audit.seals s on s.event_id = l.id
         where l.tenant_id = $1 and l.created_at >= $2 and s.position <= $3`,
        [b, months[1], lastLeaf],
      )
    ).rows[0]?.n,
  );
  expect(outside).toBeGreaterThan(0);
  const planned = await retireOldest(true);
  expect(planned.status).toBe('would-retire');
  expect(planned.chains.find((chain) => chain.chain === b)).toMatchObject({ endLeaf: lastLeaf, events: inMonth });
  // Workspace c has no leaf after the month: its range ends at its last leaf.
  const head = await owner<{ p: string }>('select max(position) as p from audit.seals where chain = $1', [c]);
  expect(planned.chains.find((chain) => chain.chain === c)?.endLeaf).toBe(Number(head.rows[0]?.p));

  const retired = await retireOldest();
  expect(retired.status).toBe('retired');
  expect(await record(b)).toEqual([
    { start_leaf: '0', end_leaf: String(lastLeaf), events_removed: String(inMonth + outside) },
  ]);
  const left = await owner<{ action: string }>('select action from audit_logs where tenant_id = $1', [b]);
  expect(left.rows.map((r) => r.action)).not.toContain('inside');
  expect(left.rows.map((r) => r.action)).toContain('after');
  await sealAndSign();
  expect((await verifyAuditChain(testDb.ownerUrl, { retentionKeys: keys })).intact).toBe(true);
});

test("a chain's range that reaches an event past the cutoff keeps the month", async () => {
  await write(a, 'now');
  await write(a, 0);
  await sealAndSign();
  const blocked = await retireOldest(true);
  expect(blocked.status).toBe('blocked');
  expect(blocked.blockedBy).toMatch(new RegExp(`^chain ${a}: events of the month are not expired \\(policy 30 days`));
});

test('a legal hold on a person named by one event of the month keeps it', async () => {
  await write(b, 0, 1, 'held-person');
  await sealAndSign();
  await db.withTenant(b, systemActor('operator'), () => placeLegalHold('held-person', 'litigation'));
  const heldLeaf =
    Number(
      (
        await owner<{ p: string }>(
          `select s.position as p from audit.seals s join audit_logs l on l.id = s.event_id
           where s.chain = $1 and l.actor_id = 'held-person'`,
          [b],
        )
      ).rows[0]?.p,
    ) - 1;
  const blocked = await retireOldest(true);
  expect(blocked.status).toBe('blocked');
  expect(blocked.blockedBy).toMatch(
    new RegExp(`^chain ${b}: legal hold \\S+ on subject held-person \\(its first event is leaf ${heldLeaf}\\)$`),
  );
});

async function writeTagged(tenant: string, month: number, action: string) {
  await owner(
    `begin; set local session_replication_role = replica;
     insert into audit_logs (tenant_id, action, resource_type, metadata, created_at)
     values ('${tenant}', '${action}', 'skill', '{}', '${months[month]?.toISOString()}'::timestamptz + interval '20 days');
     commit;`,
  );
}
