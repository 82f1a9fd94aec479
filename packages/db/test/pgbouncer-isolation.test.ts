import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Database, eq, type RequestActor, skills, sql, systemActor, type TenantTx } from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';
import { type PgBouncer, startPgBouncer } from './support/pgbouncer.ts';

/**
 * Tenant isolation behind PgBouncer in transaction mode, where consecutive
 * transactions of one client run on different server connections and one
 * server connection serves many tenants in turn: 20 tenants interleave
 * their transactions over 3 server connections, some failing half-way, and
 * none may see or write another's rows or leave its context behind for the
 * next transaction on the same connection.
 */
const tenantCount = 20;
const roundsPerTenant = 12;
const serverConnections = 3;

let testDb: TestDatabase;
let bouncer: PgBouncer;
let db: Database;
let bare: pg.Pool;
const tenants: string[] = [];

beforeAll(async () => {
  testDb = await createTestDatabase();
  bouncer = await startPgBouncer(testDb.appUrl, { poolSize: serverConnections });
  db = await Database.open({ url: bouncer.url, contextKey: await testDb.contextKey(), maxConnections: tenantCount });
  // The runtime role through the same pooler, with no tenant context at all.
  bare = new pg.Pool({ connectionString: bouncer.url, max: 2 });
  bare.on('error', () => {});
  for (let i = 0; i < tenantCount; i++) {
    tenants.push(
      (await db.platform.createTenant({ name: `Tenant ${i}`, slug: `pooled-${i}` }, systemActor('test'))).id,
    );
  }
}, 60_000);

afterAll(async () => {
  await bare?.end().catch(() => {});
  await db?.close().catch(() => {});
  await bouncer?.stop();
  await testDb?.drop();
});

const actor = (tenantId: string): RequestActor => ({
  actorType: 'user',
  actorId: `user-of-${tenantId}`,
  requestId: `req-${tenantId}`,
  ip: '127.0.0.1',
});

/** Lets other clients' transactions in between statements, so connections change hands mid-run. */
const pause = () => new Promise((resolve) => setTimeout(resolve, Math.random() * 3));

const backendPid = async (tx: TenantTx) =>
  (await tx.execute<{ pid: number }>(sql`select pg_backend_pid() as pid`)).rows[0]?.pid ?? 0;

class Planned extends Error {}

interface Observed {
  /** Server connections (backend pids) that ran tenant transactions and bare statements. */
  tenantPids: Set<number>;
  barePids: Set<number>;
  /** Rows a transaction saw that belong to another tenant, and rows a bare statement saw at all. */
  foreignRows: string[];
  bareRows: number;
  transactions: number;
}

/** One tenant's life: writes, reads, updates and transactions that fail after writing, in random order. */
async function runTenant(tenantId: string, observed: Observed): Promise<number> {
  let committed = 0;
  const checkView = async (tx: TenantTx) => {
    const seen = await tx.select({ tenantId: skills.tenantId, description: skills.description }).from(skills);
    for (const row of seen) {
      if (row.tenantId !== tenantId || row.description !== tenantId) observed.foreignRows.push(JSON.stringify(row));
    }
    return seen.length;
  };
  for (let round = 0; round < roundsPerTenant; round++) {
    const kind = round % 4;
    observed.transactions++;
    if (kind === 0 || kind === 1) {
      await db.withTenant(tenantId, actor(tenantId), async (tx) => {
        observed.tenantPids.add(await backendPid(tx));
        await tx.insert(skills).values({ slug: `s-${round}`, name: `Skill ${round}`, description: tenantId });
        await pause();
        expect(await checkView(tx)).toBe(committed + 1);
      });
      committed++;
    } else if (kind === 2) {
      // Fails after its write: nothing of it may remain, and the connection goes back clean.
      const failure = await db
        .withTenant(tenantId, actor(tenantId), async (tx) => {
          observed.tenantPids.add(await backendPid(tx));
          await tx.insert(skills).values({ slug: `doomed-${round}`, name: 'Doomed', description: tenantId });
          await pause();
          expect(await checkView(tx)).toBe(committed + 1);
          throw new Planned('fails half-way');
        })
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(Planned);
    } else {
      // A statement the database refuses (a duplicate slug) leaves the transaction aborted mid-way.
      const failure = await db
        .withTenant(tenantId, actor(tenantId), async (tx) => {
          observed.tenantPids.add(await backendPid(tx));
          await tx
            .update(skills)
            .set({ name: `Renamed ${round}` })
            .where(eq(skills.slug, 's-0'));
          await pause();
          await tx.insert(skills).values({ slug: 's-0', name: 'Duplicate', description: tenantId });
        })
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(Error);
    }
  }
  return committed;
}

/** Statements with no tenant context, sent while the tenants run: each lands on a connection a tenant just used. */
async function probeWithoutContext(observed: Observed, until: Promise<unknown>): Promise<number> {
  let done = false;
  void until.finally(() => {
    done = true;
  });
  let probes = 0;
  while (!done) {
    const { rows } = await bare.query<{ pid: number; skills: number; ledger: number }>(
      `select pg_backend_pid() as pid, (select count(*)::int from skills) as skills,
              (select count(*)::int from audit_logs) as ledger`,
    );
    const [row] = rows;
    if (row) {
      observed.barePids.add(row.pid);
      observed.bareRows += row.skills + row.ledger;
    }
    probes++;
  }
  return probes;
}

test(`${tenantCount} tenants over ${serverConnections} pooled server connections: no row crosses, no context stays behind`, async () => {
  const observed: Observed = {
    tenantPids: new Set(),
    barePids: new Set(),
    foreignRows: [],
    bareRows: 0,
    transactions: 0,
  };
  const work = Promise.all(tenants.map((tenantId) => runTenant(tenantId, observed)));
  const [committed, probes] = await Promise.all([work, probeWithoutContext(observed, work)]);

  expect(observed.foreignRows).toEqual([]);
  expect(observed.bareRows).toBe(0);
  expect(probes).toBeGreaterThan(0);
  // The pooler really did share a few server connections among all of them.
  expect(observed.tenantPids.size).toBeLessThanOrEqual(serverConnections);
  expect([...observed.barePids].every((pid) => observed.tenantPids.has(pid))).toBe(true);

  // As the owner, past every policy: each tenant holds exactly its committed rows, nothing of a failed transaction.
  const { rows } = await testDb.ownerQuery<{ tenant_id: string; rows: number; foreign: number; doomed: number }>(
    `select t.id as tenant_id, count(s.id)::int as rows,
            count(s.id) filter (where s.description <> t.id)::int as foreign,
            count(s.id) filter (where s.slug like 'doomed-%' or s.name = 'Duplicate' or s.name like 'Renamed%')::int as doomed
     from tenants t left join skills s on s.tenant_id = t.id
     where t.slug like 'pooled-%' group by t.id`,
  );
  const byTenant = (a: { tenant_id: string }, b: { tenant_id: string }) => (a.tenant_id < b.tenant_id ? -1 : 1);
  expect(rows.sort(byTenant)).toEqual(
    tenants.map((tenantId, i) => ({ tenant_id: tenantId, rows: committed[i], foreign: 0, doomed: 0 })).sort(byTenant),
  );
  // Each recorded change names the tenant whose row it is.
  const ledger = await testDb.ownerQuery<{ mismatched: number; changes: number }>(
    `select count(*) filter (where tenant_id is distinct from new_record ->> 'tenant_id')::int as mismatched,
            count(*)::int as changes
     from audit_logs where table_name = 'skills' and operation = 'INSERT'`,
  );
  expect(ledger.rows[0]).toEqual({ mismatched: 0, changes: committed.reduce((a, b) => a + b, 0) });
}, 60_000);
