// Retention by partition drop (migrations 0052, 0057): the ledger's oldest
// month leaves by DETACH (its DROP follows in a transaction of its own) when
// every chain with events in it (workspaces and the system chain) allows it,
// under one signed retention record per chain written in the same
// transaction; a month that some chain does not allow
// stays; and no caller but the server's retention run can drop anything.
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { signNote } from '../src/audit/checkpoints/signed-note.ts';
import {
  applyRetention,
  type CheckpointSigner,
  type Database,
  generateSignerKey,
  OperatorDoor,
  parseRetentionNote,
  parseSignerKey,
  parseVerifierKey,
  placeLegalHold,
  retentionNoteSignedBy,
  retireOldestLedgerMonth,
  systemActor,
  tenantInclusionProof,
  verifierKey,
  verifyAuditChain,
} from '../src/index.ts';
import { createTestDatabase, ledgerHistoryBeforeSql, type TestDatabase } from '../src/testing/index.ts';
import { referenceLeaf, verifyInclusion } from './support/rfc9162-reference.ts';
import { actor } from './support/tenant-rows.ts';

let testDb: TestDatabase;
let db: Database;
let chains: { a: string; b: string; c: string };
/** Month starts, UTC: months[0] is five months ago, months[5] this month. */
let months: Date[];
const signer: CheckpointSigner = {
  deployment: 'audit.example',
  key: parseSignerKey(generateSignerKey('audit.example')),
};
const keys = [parseVerifierKey(verifierKey(signer.key))];
const bounds = { minDays: 30, maxDays: null };
const partition = (table: string, month: Date) =>
  `${table}_p${month.getUTCFullYear()}${String(month.getUTCMonth() + 1).padStart(2, '0')}`;

const owner = <R extends Record<string, unknown>>(text: string, values?: unknown[]) =>
  testDb.ownerQuery<R>(text, values);
const tableExists = async (name: string) =>
  (await owner<{ r: string | null }>('select to_regclass($1)::text as r', [`public.${name}`])).rows[0]?.r !== null;

/**
 * The clock, set by the test: the history partition is moved below five
 * months ago (its rows with it), month partitions are made from there on,
 * and every chain gets events in each month, written before sealing as they
 * would have been. Workspace a's first event of month 1 is sealed before
 * its month-0 events (a transaction that began after midnight sealed first).
 */
async function writeMonths() {
  const { rows } = await owner<{ m: Date }>(
    `select (date_trunc('month', now() at time zone 'UTC') - make_interval(months => 5 - g)) at time zone 'UTC' as m
     from generate_series(0, 5) g order by g`,
  );
  months = rows.map((r) => new Date(r.m));
  const first = months[0]?.toISOString();
  await owner(ledgerHistoryBeforeSql(first ?? '', 8));
  const ids = [];
  for (const slug of ['a', 'b', 'c']) {
    ids.push((await db.platform.createTenant({ name: slug, slug }, systemActor('test'))).id);
  }
  const [a = '', b = '', c = ''] = ids;
  chains = { a, b, c };
  const insert = (tenant: string | null, month: number, n: number, action = 'skill.updated') =>
    `insert into audit_logs (tenant_id, action, resource_type, metadata, created_at)
     select '${tenant ?? ''}', '${action}', 'skill', '{}',
            '${months[month]?.toISOString()}'::timestamptz + interval '10 days' + make_interval(hours => g)
     from generate_series(1, ${n}) g;`;
  const security = (tenant: string | null, month: number) =>
    `insert into security_events (tenant_id, event_type, created_at)
     values ('${tenant ?? ''}', 'login_success',
             '${months[month]?.toISOString()}'::timestamptz + interval '12 days');`;
  let statements = `update audit_logs set created_at = '${first}'::timestamptz + interval '1 hour'
                    where created_at >= '${first}';`;
  statements += insert(a, 1, 1, 'skill.early');
  for (let month = 0; month < 6; month++) {
    for (const tenant of [a, b, c, null]) statements += insert(tenant, month, 3);
    if (month < 2) for (const tenant of [a, b, c, null]) statements += security(tenant, month);
  }
  await owner(`begin; set local session_replication_role = replica; ${statements} commit;`);
  expect(await db.sealCommittedAuditEvents()).toBe(true);
}

const sign = () => db.signAuditCheckpoints(signer);
const setPolicy = (tenant: string, days: number | null) =>
  owner(
    `insert into site_settings (tenant_id, display_name, audit_retention_days) values ($1, 'x', $2)
     on conflict (tenant_id) do update set audit_retention_days = excluded.audit_retention_days`,
    [tenant, days],
  );
const setSystemPolicy = (days: number | null) =>
  OperatorDoor.use(testDb.ownerUrl, (door) => door.setSystemRetention(days, bounds, systemActor('operator')));
async function allowEverything() {
  for (const tenant of Object.values(chains)) await setPolicy(tenant, 30);
  await setSystemPolicy(30);
  await sign();
}
const records = async () =>
  (
    await owner<{ chain: string; start_leaf: string; end_leaf: string; note: string; events_removed: string }>(
      'select chain, start_leaf, end_leaf, note, events_removed from audit.retention_records order by chain, start_leaf',
    )
  ).rows;

beforeEach(async () => {
  testDb = await createTestDatabase();
  db = await testDb.openApp();
  await writeMonths();
});
afterEach(async () => {
  await db.close();
  await testDb.drop();
});

describe('a month every chain allows', () => {
  test('leaves by drop under one signed record per chain, and every chain still verifies', async () => {
    await allowEverything();
    const oldest = partition('audit_logs', months[0] as Date);
    const eventsBefore = Number((await owner<{ n: string }>(`select count(*) as n from ${oldest}`)).rows[0]?.n);
    // Rows from before partitioning (the system chain's first leaves) leave by DELETE with the month.
    const history = Number((await owner<{ n: string }>('select count(*) as n from audit_logs_history')).rows[0]?.n);
    expect(history).toBeGreaterThan(0);
    const early = (await owner<{ id: string }>(`select id from audit_logs where action = 'skill.early'`)).rows[0]?.id;
    const alarmsBefore = Number(
      (
        await owner<{ n: string }>(
          `select count(*) as n from security_events where details ->> 'reason' = 'security_control_changed'`,
        )
      ).rows[0]?.n,
    );

    const outcomes = await db.retireLedgerMonths(signer, bounds);
    const first = outcomes[0];
    expect(first).toMatchObject({ table: 'audit_logs', partition: oldest, status: 'retired', blockedBy: null });
    expect(first?.chains.map((c) => c.chain).sort()).toEqual(['', ...Object.values(chains)].sort());
    // The month's events, workspace a's event of the next month sealed before them, and the history's.
    expect(first?.eventsRemoved).toBe(eventsBefore + 1 + history);
    expect((await owner('select from audit_logs_history')).rowCount).toBe(0);
    expect(await tableExists(oldest)).toBe(false);
    expect(await tableExists(partition('security_events', months[0] as Date))).toBe(false);
    // The months set aside are freed before the run returns.
    expect((await owner(`select from pg_class where relnamespace = 'audit_retired'::regnamespace`)).rowCount).toBe(0);
    expect((await owner(`select from audit_logs where id = $1`, [early])).rowCount).toBe(0);
    // The second month went too; the month ended less than 30 days ago stays, saying why.
    expect(await tableExists(partition('audit_logs', months[1] as Date))).toBe(false);
    const stopped = outcomes.find((o) => o.table === 'audit_logs' && o.status === 'blocked');
    expect(stopped?.blockedBy).toMatch(/less than the deployment's minimum of 30 days ago/);

    // One record per chain per month, contiguous from leaf 0, signed, naming its chain.
    const rows = await records();
    for (const chain of ['', ...Object.values(chains)]) {
      const own = rows.filter((r) => r.chain === chain);
      expect(own.length).toBeGreaterThanOrEqual(2);
      expect(Number(own[0]?.start_leaf)).toBe(0);
      for (const [i, row] of own.entries()) {
        const note = parseRetentionNote(row.note);
        expect(note.origin).toBe(`audit.example/audit/${chain === '' ? 'system' : chain}`);
        expect(retentionNoteSignedBy(note, keys)).toBe(true);
        if (i > 0) expect(row.start_leaf).toBe(own[i - 1]?.end_leaf);
      }
    }
    const applied = await owner<{ tenant_id: string | null }>(
      `select tenant_id from audit_logs where action = 'audit.retention_applied' and metadata ->> 'partition' = $1`,
      [oldest],
    );
    expect(applied.rows.map((r) => r.tenant_id ?? '').sort()).toEqual(['', ...Object.values(chains)].sort());
    // The drop is recorded, not raised as a weakened control.
    const alarmsAfter = Number(
      (
        await owner<{ n: string }>(
          `select count(*) as n from security_events where details ->> 'reason' = 'security_control_changed'`,
        )
      ).rows[0]?.n,
    );
    expect(alarmsAfter).toBe(alarmsBefore);
    expect(
      (await owner(`select from audit_logs where tenant_id = '' and action = 'audit.ledger_month_retired'`)).rowCount,
    ).toBeGreaterThanOrEqual(3);

    await db.sealCommittedAuditEvents();
    await sign();
    const verdict = await verifyAuditChain(testDb.ownerUrl, { retentionKeys: keys });
    expect(verdict.intact).toBe(true);
    for (const chain of ['', ...Object.values(chains)]) {
      const own = verdict.chains.find((c) => c.chain === chain);
      expect(own?.removed?.length, `chain "${chain}"`).toBeGreaterThanOrEqual(2);
    }
    // What remains still proves its inclusion in the latest checkpoint.
    await db.withTenant(chains.b, actor(), async (tx) => {
      const { rows: left } = await tx.execute<{ id: string }>(sql`select id from audit_logs order by seq limit 3`);
      for (const { id } of left) {
        const inclusion = await tenantInclusionProof(id);
        if (!inclusion) throw new Error(`no proof for ${id}`);
        const { treeSize, rootHash } = inclusion.checkpoint;
        const leaf = referenceLeaf(Buffer.from(inclusion.canonical));
        expect(verifyInclusion(inclusion.leafIndex, treeSize, leaf, inclusion.proof, rootHash)).toBe(true);
      }
    });
  });

  // Regression: the door's transaction freed the month's files at commit, holding audit_logs' lock the while.
  test('leaves the ledger at the door, set aside where only the owner reaches it; its files are freed after', async () => {
    await allowEverything();
    const oldest = partition('audit_logs', months[0] as Date);
    const events = Number((await owner<{ n: string }>(`select count(*) as n from ${oldest}`)).rows[0]?.n);
    const retired = await db.ledgerRetention((tx) => retireOldestLedgerMonth(tx, signer, bounds));
    expect(retired).toMatchObject({ partition: oldest, status: 'retired' });
    expect(await tableExists(oldest)).toBe(false);
    expect((await owner(`select from audit_retired.${oldest}`)).rowCount).toBe(events);
    const reach = await owner<{ role: string; usage: boolean; reads: boolean }>(
      `select r as role, has_schema_privilege(r, 'audit_retired', 'usage') as usage,
              has_table_privilege(r, 'audit_retired.${oldest}', 'select') as reads
       from unnest(array['skillhub_app', 'skillhub_system']) r`,
    );
    expect(reach.rows.every((r) => !r.usage && !r.reads)).toBe(true);
    await expect(
      db.withTenant(chains.a, actor(), (tx) => tx.execute(sql.raw(`select from audit_retired.${oldest}`))),
    ).rejects.toMatchObject({ cause: expect.objectContaining({ code: '42501' }) });

    expect(await db.reclaimRetiredLedgerMonths()).toEqual([oldest]);
    expect((await owner(`select from pg_class where relnamespace = 'audit_retired'::regnamespace`)).rowCount).toBe(0);
    expect(await db.reclaimRetiredLedgerMonths()).toEqual([]);
  });

  test('two runs at once drop each month once', async () => {
    await allowEverything();
    const [one, two] = await Promise.all([
      db.retireLedgerMonths(signer, bounds),
      db.retireLedgerMonths(signer, bounds),
    ]);
    const retired = [...one, ...two].filter((o) => o.status === 'retired').map((o) => o.partition);
    expect(new Set(retired).size).toBe(retired.length);
    expect(retired).toContain(partition('audit_logs', months[0] as Date));
    const rows = await records();
    const keysSeen = rows.map((r) => `${r.chain}:${r.start_leaf}`);
    expect(new Set(keysSeen).size).toBe(keysSeen.length);
    expect((await verifyAuditChain(testDb.ownerUrl, { retentionKeys: keys })).intact).toBe(true);
  });
});

describe('a month some chain does not allow stays', () => {
  const expectBlocked = async (reason: RegExp) => {
    const oldest = partition('audit_logs', months[0] as Date);
    const [outcome] = await db.retireLedgerMonths(signer, bounds);
    expect(outcome).toMatchObject({ partition: oldest, status: 'blocked' });
    expect(outcome?.blockedBy).toMatch(reason);
    expect(await tableExists(oldest)).toBe(true);
    expect(await records()).toEqual([]);
    const status = await db.ledgerMonths(signer, bounds);
    expect(status.find((m) => m.partition === oldest)).toMatchObject({ retirableNow: false });
    expect(status.find((m) => m.partition === oldest)?.blockedBy).toMatch(reason);
  };

  test('a workspace without a policy; its neighbours still retire through the per-workspace door', async () => {
    await allowEverything();
    await setPolicy(chains.c, null);
    await expectBlocked(new RegExp(`chain ${chains.c}: no retention policy`));
    const outcome = await db.withTenant(chains.a, systemActor('retention'), () => applyRetention(signer, bounds));
    expect(outcome.status).toBe('removed');
    expect(outcome.eventsRemoved).toBeGreaterThan(0);
  });

  test('the system chain without a policy', async () => {
    await allowEverything();
    await setSystemPolicy(null);
    await expectBlocked(/the system chain: no retention policy/);
  });

  test('a legal hold', async () => {
    await allowEverything();
    await db.withTenant(chains.b, systemActor('operator'), () => placeLegalHold(null, 'litigation'));
    await expectBlocked(new RegExp(`chain ${chains.b}: legal hold .* on the workspace`));
  });

  test('a receiver that has not acknowledged the month', async () => {
    await allowEverything();
    await owner(`insert into platform.deployment_sink (url, format) values ('syslog://127.0.0.1:9', 'jsonl')`);
    await expectBlocked(/the deployment sink has acknowledged leaves up to -1 only/);
  });

  test('events past the latest checkpoint', async () => {
    for (const tenant of Object.values(chains)) await setPolicy(tenant, 30);
    await setSystemPolicy(30);
    await expectBlocked(/no signed checkpoint covers past leaf 0/);
  });

  test('events of the month not yet expired for one workspace', async () => {
    await allowEverything();
    await setPolicy(chains.a, 3650);
    await expectBlocked(new RegExp(`chain ${chains.a}: events of the month are not expired \\(policy 3650 days`));
  });
});

describe('only the retention run retires, and only what its plan allows', () => {
  const retireCall = (notes: string[]) =>
    sql`select * from audit.retire_ledger_month(${signer.deployment}, ${sql.param(notes)}::text[], ${bounds.minDays}, null)`;
  const planBodies = async (tx: Parameters<Parameters<Database['ledgerRetention']>[0]>[0]) =>
    (
      await tx.execute<{ chain: string; body: string }>(
        sql`select chain, body from audit.month_retirement_plan(${signer.deployment}, ${bounds.minDays}, null)`,
      )
    ).rows;

  test("the runtime role in a workspace's context reaches neither the plan nor the door, nor the drop", async () => {
    await allowEverything();
    const stranger = parseSignerKey(generateSignerKey('audit.example'));
    for (const statement of [
      sql`select * from audit.month_retirement_plan(${signer.deployment}, 30, null)`,
      retireCall([signNote(stranger, 'audit.example/audit/x\n')]),
      sql`select audit.drop_ledger_month('audit_logs', ${partition('audit_logs', months[0] as Date)})`,
      sql`select audit.drop_ledger_month('skills', 'skills')`,
      sql`select audit.reclaim_retired_month()`,
    ]) {
      await expect(db.withTenant(chains.a, actor(), (tx) => tx.execute(statement))).rejects.toMatchObject({
        cause: expect.objectContaining({ code: '42501' }),
      });
    }
    expect(await tableExists(partition('audit_logs', months[0] as Date))).toBe(true);
  });

  test('an edited note, or a note of another chain in place of one, is refused and nothing is dropped', async () => {
    await allowEverything();
    const oldest = partition('audit_logs', months[0] as Date);
    const attempts: ((plans: { chain: string; body: string }[]) => string[])[] = [
      // One chain's range stretched by a leaf.
      (plans) =>
        plans.map((p, i) =>
          signNote(
            signer.key,
            i === 0
              ? p.body.replace(/^retention (\d+) (\d+)$/m, (_, s, e) => `retention ${s} ${Number(e) + 1}`)
              : p.body,
          ),
        ),
      // Workspace b's note given twice, c's left out.
      (plans) =>
        plans.map((p) =>
          signNote(signer.key, (p.chain === chains.c ? plans.find((q) => q.chain === chains.b) : p)?.body ?? ''),
        ),
      // One note short.
      (plans) => plans.slice(1).map((p) => signNote(signer.key, p.body)),
      // A note with its signature line cut.
      (plans) => plans.map((p) => `${p.body}\n`),
    ];
    for (const attempt of attempts) {
      await expect(
        db.ledgerRetention(async (tx) => tx.execute(retireCall(attempt(await planBodies(tx))))),
      ).rejects.toMatchObject({ cause: expect.objectContaining({ code: '22023' }) });
      expect(await tableExists(oldest)).toBe(true);
    }
    expect(await records()).toEqual([]);
  });

  test('a month with unexpired events is refused at the door, whatever notes come with it', async () => {
    await allowEverything();
    await setPolicy(chains.a, 3650);
    await expect(
      db.ledgerRetention(async (tx) =>
        tx.execute(retireCall((await planBodies(tx)).map((p) => signNote(signer.key, p.body ?? '')))),
      ),
    ).rejects.toMatchObject({ cause: expect.objectContaining({ code: '55000' }) });
    expect(await tableExists(partition('audit_logs', months[0] as Date))).toBe(true);
  });

  test('the drop refuses the history partition, other tables, and a month with events but no records', async () => {
    for (const [table, name] of [
      ['audit_logs', 'audit_logs_history'],
      ['skills', 'skills'],
      ['audit_logs', partition('audit_logs', months[0] as Date)],
    ]) {
      await expect(owner(`select audit.drop_ledger_month($1, $2)`, [table, name])).rejects.toMatchObject({
        code: '42501',
      });
    }
    expect(await tableExists('audit_logs_history')).toBe(true);
    expect(await tableExists(partition('audit_logs', months[0] as Date))).toBe(true);
  });

  test('retireOldestLedgerMonth, dry, writes nothing', async () => {
    await allowEverything();
    const dry = await db.ledgerRetention((tx) => retireOldestLedgerMonth(tx, signer, bounds, { dryRun: true }));
    expect(dry?.status).toBe('would-retire');
    expect(await tableExists(partition('audit_logs', months[0] as Date))).toBe(true);
  });
});
