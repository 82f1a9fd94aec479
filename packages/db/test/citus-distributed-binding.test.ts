// Step 3 of the Citus plan (migration 0069) on a real cluster: withTenant's context reaches the
// workers and verifies there, bound to its distributed transaction, and a copy replayed in a later
// transaction of the same coordinator backend (the same global pid) opens nothing. Citus is not in
// Debian's archive, so this runs by hand against a coordinator (docs/citus-lab/README.md):
//   CITUS_TEST_URL=postgres://<superuser>@<coordinator>/<db>        a database `skillhub migrate up` made
//   CITUS_TEST_APP_URL=postgres://<runtime role>:<password>@<coordinator>/<db>
// and is skipped without them. On the code before 0069 the workers see no context: no rows at all.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Database, readContextKey, runDoctor, sql } from '../src/index.ts';
import { openLabDatabase } from './support/citus-lab.ts';
import { startPgBouncer } from './support/pgbouncer.ts';
import { actor } from './support/tenant-rows.ts';

const ownerUrl = process.env.CITUS_TEST_URL;
const appUrl = process.env.CITUS_TEST_APP_URL;

// What step 8 makes of the real tenant tables, on a table of its own: distributed by tenant_id, its
// policy without a sub-select (Citus refuses one), the functions the policy calls on every node, and
// the context keys a reference table, so the workers verify the signature with the coordinator's key.
// One statement each: Citus propagates DDL to the workers as the statement's text, which must be one statement.
const setupStatements = [
  `do $$ begin
    if not exists (select from pg_dist_partition where logicalrelid = 'platform.context_keys'::regclass) then
      perform create_reference_table('platform.context_keys');
    end if;
  end $$`,
  `select create_distributed_function('platform.context_claims()')`,
  `select create_distributed_function('platform.current_tenant_id()')`,
  'drop table if exists public.citus_lab_items',
  'create table public.citus_lab_items (tenant_id text not null, n integer not null, primary key (tenant_id, n))',
  `select create_distributed_table('public.citus_lab_items', 'tenant_id')`,
  `insert into public.citus_lab_items select t, g from unnest(array['lab-a', 'lab-b']) t, generate_series(1, 5) g`,
  'alter table public.citus_lab_items enable row level security',
  'alter table public.citus_lab_items force row level security',
  `create policy tenant_isolation on public.citus_lab_items
    using (tenant_id = platform.current_tenant_id()) with check (tenant_id = platform.current_tenant_id())`,
  'grant select on public.citus_lab_items to skillhub_app',
];

describe.skipIf(!ownerUrl || !appUrl)('on a Citus coordinator', () => {
  let db: Database;
  let owner: pg.Client;

  beforeAll(async () => {
    owner = new pg.Client({ connectionString: ownerUrl });
    await owner.connect();
    // The table below must be the only one distributed by hash: the server binds each transaction through it.
    const { rows } = await owner.query<{ n: number }>(
      `select count(*)::int as n from pg_dist_partition where partmethod = 'h' and logicalrelid::text <> 'citus_lab_items'`,
    );
    if (rows[0]?.n !== 0)
      throw new Error('run this on a database with no table distributed yet (before lab files 1-3)');
    for (const statement of setupStatements) await owner.query(statement);
    db = await openLabDatabase(owner, ownerUrl ?? '', appUrl ?? '');
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    await owner?.query('drop table if exists public.citus_lab_items');
    await owner?.end();
  });

  const count = (tenantId: string, where = sql`true`) =>
    db.withTenant(tenantId, actor('lab'), async (tx) => {
      const { rows } = await tx.execute<{ n: number }>(
        sql`select count(*)::int as n from citus_lab_items where ${where}`,
      );
      return rows[0]?.n;
    });

  test('a tenant reads its own rows on the workers, fanned out or routed, and no other tenant’s', async () => {
    expect(await count('lab-a')).toBe(5);
    expect(await count('lab-a', sql`tenant_id = 'lab-a'`)).toBe(5);
    expect(await count('lab-a', sql`tenant_id = 'lab-b'`)).toBe(0);
    expect(await count('lab-b')).toBe(5);
  });

  test('a context copied out of one transaction opens nothing in the next on the same backend', async () => {
    const stolen = await db.withTenant('lab-a', actor('victim'), async (tx) => {
      const { rows } = await tx.execute<{ context: string }>(sql`select current_setting('app.context') as context`);
      return rows[0]?.context ?? '';
    });
    const outcome = await db
      .withTenant('lab-b', actor('attacker'), async (tx) => {
        await tx.execute(sql.raw(`set local app.context = ${pg.escapeLiteral(stolen)}`));
        const { rows } = await tx.execute<{ n: number }>(
          sql`select count(*)::int as n from citus_lab_items where tenant_id = 'lab-a'`,
        );
        return rows[0]?.n;
      })
      .catch((error: { cause?: { code?: string; message?: string } }) => error.cause);
    expect(outcome).toMatchObject({
      code: '42501',
      message: expect.stringContaining('another distributed transaction'),
    });
  });

  test('through PgBouncer in transaction mode the context still reaches the workers, and a replay still fails', async () => {
    // Each transaction may get another server connection: BEGIN and its binding go in one round trip, so the
    // pooler keeps them on one; the context goes by SET LOCAL, which dies with the transaction.
    const bouncer = await startPgBouncer(appUrl ?? '', { poolSize: 2 });
    const pooled = await Database.open({
      url: bouncer.url,
      contextKey: await readContextKey(ownerUrl ?? ''),
      maxConnections: 4,
    });
    try {
      const reads = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          pooled.withTenant(i % 2 ? 'lab-b' : 'lab-a', actor('lab'), async (tx) => {
            const { rows } = await tx.execute<{ n: number; others: number }>(
              sql`select count(*)::int as n, count(*) filter (where tenant_id <> ${i % 2 ? 'lab-b' : 'lab-a'})::int as others
                  from citus_lab_items`,
            );
            return rows[0];
          }),
        ),
      );
      expect(reads).toEqual(Array.from({ length: 20 }, () => ({ n: 5, others: 0 })));
      const stolen = await pooled.withTenant('lab-a', actor('victim'), async (tx) => {
        const { rows } = await tx.execute<{ context: string }>(sql`select current_setting('app.context') as context`);
        return rows[0]?.context ?? '';
      });
      const replay = await pooled
        .withTenant('lab-b', actor('attacker'), async (tx) => {
          await tx.execute(sql.raw(`set local app.context = ${pg.escapeLiteral(stolen)}`));
          return (await tx.execute(sql`select count(*)::int as n from citus_lab_items where tenant_id = 'lab-a'`)).rows;
        })
        .catch((error: { cause?: { code?: string } }) => error.cause);
      expect(replay).toMatchObject({ code: '42501' });
    } finally {
      await pooled.close();
      await bouncer.stop();
    }
  });

  test('the runtime role can neither choose its distributed transaction nor run statements on the workers', async () => {
    for (const statement of [
      'select assign_distributed_transaction_id(0, 1, now())',
      "select run_command_on_workers('select 1')",
      "select run_command_on_shards('citus_lab_items', 'select 1')",
    ]) {
      const refused = await db
        .withTenant('lab-a', actor('attacker'), (tx) => tx.execute(sql.raw(statement)))
        .catch((error: { cause?: { code?: string } }) => error.cause);
      expect(refused, statement).toMatchObject({ code: '42501' });
    }
  });

  test('a function call pushed down to a worker cannot open a session of its own there', async () => {
    // The first step of a replay on a worker (found by attacking 0069): a query routed to a worker runs the
    // functions it calls there, as the runtime role, where master_run_on_worker or run_command_on_workers would
    // open a fresh session whose distributed identity the role could then set.
    for (const remote of [
      "select * from master_run_on_worker(array['127.0.0.1'], array[5432], array['select 1'], false)",
      "select * from run_command_on_workers('select 1')",
      "select citus_run_local_command('select 1')",
    ]) {
      const refused = await db
        .withTenant('lab-b', actor('attacker'), (tx) =>
          tx.execute(
            sql`select query_to_xml(${remote}, true, false, '') from citus_lab_items where tenant_id = 'lab-b' limit 1`,
          ),
        )
        .catch((error: { cause?: { code?: string; message?: string } }) => error.cause);
      expect(refused, remote).toMatchObject({ code: '42501', message: expect.stringContaining('permission denied') });
    }
  });

  test("no session of the runtime role sees another transaction's context in pg_stat_activity", async () => {
    const watcher = new pg.Client({ connectionString: appUrl });
    await watcher.connect();
    const seen = new Set<string>();
    let disabled = 0;
    let running = true;
    const watching = (async () => {
      while (running) {
        const { rows } = await watcher.query<{ query: string; state: string }>(
          'select query, state from pg_stat_activity where usename = current_user and pid <> pg_backend_pid()',
        );
        for (const row of rows) {
          for (const context of row.query.match(/\d+:[0-9a-f]{64}:\{[^']*\}/g) ?? []) seen.add(context);
          if (row.state === 'disabled') disabled += 1;
        }
      }
    })();
    const until = Date.now() + 3_000;
    while (Date.now() < until) await count('lab-a');
    running = false;
    await watching;
    await watcher.end();
    expect([...seen]).toEqual([]);
    // The watcher did see the transactions' sessions: their statements are kept out of the view.
    expect(disabled).toBeGreaterThan(0);
  });

  test('with no distributed table left to bind to, a transaction fails and leaves no transaction open', async () => {
    await owner.query('drop table public.citus_lab_items');
    await expect(count('lab-a')).rejects.toThrow('no distributed table is readable now');
    const { rows } = await owner.query<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity where usename = $1 and state like 'idle in transaction%'`,
      [decodeURIComponent(new URL(appUrl ?? '').username)],
    );
    expect(rows[0]?.n).toBe(0);
  });

  test('the doctor finds every lock-down in place', async () => {
    const role = decodeURIComponent(new URL(appUrl ?? '').username);
    const findings = (await runDoctor({ ownerUrl: ownerUrl ?? '', runtimeRole: role })).filter(
      (r) => r.check === 'citus_distributed_binding',
    );
    expect(findings.length).toBeGreaterThan(5);
    expect(findings.filter((r) => !r.ok)).toEqual([]);
  });

  test('the doctor names a worker that grants a remote door again, and statements shown in pg_stat_activity', async () => {
    const role = decodeURIComponent(new URL(appUrl ?? '').username);
    await owner.query(
      `select run_command_on_workers('grant execute on function pg_catalog.run_command_on_workers(text, boolean) to public')`,
    );
    await owner.query(`alter role ${role} reset track_activities`);
    try {
      const failed = (await runDoctor({ ownerUrl: ownerUrl ?? '', runtimeRole: role }))
        .filter((r) => r.check === 'citus_distributed_binding' && !r.ok)
        .map((r) => r.target)
        .sort();
      expect(failed).toEqual([`${role}: track_activities`, 'worker 127.0.0.1:9701', 'worker 127.0.0.1:9702']);
    } finally {
      await owner.query('select platform.prepare_citus_node($1)', [role]);
    }
  });
});
