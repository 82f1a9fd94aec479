/**
 * What the tenant context costs: the same indexed reads and single-row insert
 * through `db.withTenant()` (runtime role, row level security) and as plain
 * queries on an identical table without RLS, on the same server in the same
 * run, interleaved. Usage: npm run bench:tenant-context -- [--tenants N] [--rows N]
 */

import { parseArgs } from 'node:util';
import { Database, desc, eq, type RequestActor, skills, type TenantTx } from '@skillhub/db';
import {
  openRawPool,
  queryWithContext,
  type RawPool,
  type RawPoolClient,
  readBinding,
  tenantContextSigner,
} from '@skillhub/db/bench';
import { type BenchDatabase, openBenchDatabase } from './lib/bench-database.ts';
import {
  inBoundTransaction,
  inTicketTransaction,
  inTransaction,
  inTransactionBegunByFn,
} from './lib/in-transaction.ts';
import { median, runInterleaved, type Variant } from './lib/interleaved-rounds.ts';
import { positiveInteger } from './lib/positive-integer.ts';
import { formatUs } from './lib/print-table.ts';
import { bufferCounts, prewarm } from './tenant-context/buffer-stats.ts';
import { describePlan } from './tenant-context/describe-plan.ts';
import { type LoadedSkills, loadSkills } from './tenant-context/load-skills.ts';
import { plainPolicy, verifiedPolicy } from './tenant-context/policies.ts';
import { loadAverage, printBufferUse, printHeader, printReport } from './tenant-context/print-report.ts';
import { serverTimes } from './tenant-context/server-time.ts';

const { values: flags } = parseArgs({
  options: {
    tenants: { type: 'string', default: '1000' },
    rows: { type: 'string', default: '1000' },
    // Many short rounds rather than a few long ones: a burst of load from another process then
    // lands on every variant's rounds alike instead of on one variant's only.
    rounds: { type: 'string', default: '20' },
    ops: { type: 'string', default: '500' },
    'insert-ops': { type: 'string', default: '250' },
    warmup: { type: 'string', default: '300' },
  },
});
const positive = (name: keyof typeof flags) => positiveInteger(name, flags[name]);
const config = {
  tenants: positive('tenants'),
  rows: positive('rows'),
  rounds: positive('rounds'),
  ops: positive('ops'),
  insertOps: positive('insert-ops'),
  warmup: positive('warmup'),
  serverSamples: 1000,
};
const progress = (message: string) => process.stderr.write(`· ${message}\n`);

const columns =
  'tenant_id, id, slug, name, description, content, tags, author_id, visibility, latest_version, rating_count, rating_sum, created_at, updated_at';
// What withTenant() sent after BEGIN before migration 0022: five plain settings, which the
// policies of 0005-0015 trusted. Variant (d0) measures the verified context against it.
const plainContext = `select set_config('app.current_tenant_id', $1, true), set_config('app.actor_type', $2, true),
  set_config('app.actor_id', $3, true), set_config('app.request_id', $4, true), set_config('app.ip', $5, true)`;
// An admin: a third of the loaded skills are private (migration 0024), which only their author, an
// admin or an owner reads; the visibility check runs (once per statement) whoever reads.
const actor: RequestActor = {
  actorType: 'user',
  actorId: '5f0c6a4e-8d3b-4c1a-9e2f-7b6d5a4c3b2a',
  role: 'admin',
  requestId: 'bench-request',
  ip: '127.0.0.1',
};

interface Pick {
  tenantId: string;
  row: number;
  seq: number;
}

/** One operation, written three ways: Drizzle under RLS, SQL under RLS, SQL on the copy without RLS. */
interface Operation {
  title: string;
  /** Rows read, or rows written; anything else fails the run. */
  expected: number;
  inserts: boolean;
  drizzle: (tx: TenantTx, p: Pick) => Promise<number>;
  rls: (p: Pick) => [string, unknown[]];
  plain: (p: Pick) => [string, unknown[]];
}

let lastSeq = 0;
/** Numbers new skills' slugs, unique across the whole run. */
const nextSeq = () => ++lastSeq;
const randomTenant = (ids: string[]) => ids[Math.floor(Math.random() * ids.length)] ?? '';
const randomRow = () => 1 + Math.floor(Math.random() * config.rows);

const slugOf = (p: Pick) => `skill-${p.row}`;
const newSkill = (p: Pick) => ({
  slug: `new-${p.seq}`,
  name: `New skill ${p.seq}`,
  description: 'Written by the benchmark',
  content: 'Step 1: read the brief. Step 2: write the skill.',
});

const operations: Operation[] = [
  {
    title: 'read one skill by slug',
    expected: 1,
    inserts: false,
    drizzle: async (tx, p) =>
      (
        await tx
          .select()
          .from(skills)
          .where(eq(skills.slug, slugOf(p)))
          .limit(1)
      ).length,
    rls: (p) => [`select ${columns} from skills where slug = $1 limit 1`, [slugOf(p)]],
    plain: (p) => [
      `select ${columns} from bench_baseline.skills where tenant_id = $1 and slug = $2 limit 1`,
      [p.tenantId, slugOf(p)],
    ],
  },
  {
    title: "read the tenant's 20 most recently updated skills",
    expected: Math.min(20, config.rows),
    inserts: false,
    drizzle: async (tx) => (await tx.select().from(skills).orderBy(desc(skills.updatedAt)).limit(20)).length,
    rls: () => [`select ${columns} from skills order by updated_at desc limit 20`, []],
    plain: (p) => [
      `select ${columns} from bench_baseline.skills where tenant_id = $1 order by updated_at desc limit 20`,
      [p.tenantId],
    ],
  },
  {
    title: 'insert one skill',
    expected: 1,
    inserts: true,
    drizzle: async (tx, p) => (await tx.insert(skills).values(newSkill(p))).rowCount ?? 0,
    rls: (p) => {
      const s = newSkill(p);
      return [
        'insert into skills (slug, name, description, content) values ($1, $2, $3, $4)',
        [s.slug, s.name, s.description, s.content],
      ];
    },
    plain: (p) => {
      const s = newSkill(p);
      return [
        'insert into bench_baseline.skills (tenant_id, slug, name, description, content) values ($1, $2, $3, $4, $5)',
        [p.tenantId, s.slug, s.name, s.description, s.content],
      ];
    },
  },
];

const check = (op: Operation, key: string, got: number) => {
  if (got !== op.expected) throw new Error(`${op.title} (${key}) returned ${got} rows, expected ${op.expected}`);
};

const plainContextParams = (tenantId: string) => [
  tenantId,
  actor.actorType,
  actor.actorId ?? '',
  actor.requestId ?? '',
  actor.ip ?? '',
];

/**
 * One connection per variant. Under CPU contention a backend that ran a
 * moment ago answers faster than one that sat idle, so variants sharing a
 * connection would flatter each other; one each keeps the comparison even.
 */
interface Connections {
  a: Database;
  aAudit: Database;
  b: RawPool;
  c: RawPool;
  d: RawPool;
  d0: RawPool;
  e: RawPool;
  /** Setup, plans, statistics and switching change capture: never timed. */
  owner: RawPool;
  /** Runtime role, for plans and server-side timings: never timed. */
  app: RawPool;
}

const onePool = (url: string) => openRawPool({ connectionString: url, max: 1, idleTimeoutMillis: 0 });

/** The tenant context a raw connection sets after BEGIN: withTenant's statement, signed now. */
type SignContext = ReturnType<typeof tenantContextSigner>;

function variantsFor(op: Operation, conn: Connections, tenantIds: string[], signContext: SignContext): Variant[] {
  const pick = (): Pick => ({ tenantId: randomTenant(tenantIds), row: randomRow(), seq: nextSeq() });
  const viaWithTenant = (db: Database) => async () => {
    const p = pick();
    check(op, 'a', await db.withTenant(p.tenantId, actor, (tx) => op.drizzle(tx, p)));
  };
  const variants: Variant[] = [
    { key: 'a', label: '(a) db.withTenant + Drizzle — runtime role, RLS', run: viaWithTenant(conn.a) },
    {
      key: 'b',
      label: '(b) plain query, autocommit — owner, copy without RLS',
      run: async () => {
        const [text, params] = op.plain(pick());
        check(op, 'b', (await conn.b.query(text, params)).rowCount ?? 0);
      },
    },
    {
      key: 'c',
      label: '(c) (b) inside BEGIN/COMMIT',
      run: async () => {
        const [text, params] = op.plain(pick());
        check(op, 'c', await inTransaction(conn.c, async (c) => (await c.query(text, params)).rowCount ?? 0));
      },
    },
    {
      key: 'd',
      label: '(d) raw pg, (BEGIN, signed context and the query) + COMMIT drawing a ticket — runtime role, RLS',
      run: async () => {
        const p = pick();
        const [text, params] = op.rls(p);
        const got = await inTicketTransaction(conn.d, async (c, binding, begin) => {
          const result = await queryWithContext(c, signContext(p.tenantId, actor, binding), text, params, begin);
          return result.rowCount ?? 0;
        });
        check(op, 'd', got);
      },
    },
    {
      key: 'd0',
      label: "(d0) (d) with 0015's plain-setting policy and five set_config — before 0022",
      before: async () => void (await conn.owner.query(plainPolicy)),
      after: async () => void (await conn.owner.query(verifiedPolicy)),
      run: async () => {
        const p = pick();
        const [text, params] = op.rls(p);
        const got = await inTransactionBegunByFn(conn.d0, async (c) => {
          const result = await queryWithContext(c, [plainContext, plainContextParams(p.tenantId)], text, params, true);
          return result.rowCount ?? 0;
        });
        check(op, 'd0', got);
      },
    },
    {
      key: 'e',
      label: '(e) raw pg, (BEGIN, signed context and the query) + COMMIT drawing a ticket — owner, copy without RLS',
      run: async () => {
        const p = pick();
        const [text, params] = op.plain(p);
        const got = await inTicketTransaction(conn.e, async (c, binding, begin) => {
          const result = await queryWithContext(c, signContext(p.tenantId, actor, binding), text, params, begin);
          return result.rowCount ?? 0;
        });
        check(op, 'e', got);
      },
    },
  ];
  if (op.inserts) {
    variants.splice(1, 0, {
      key: 'a+audit',
      label: '(a) with audit change capture on skills',
      run: viaWithTenant(conn.aAudit),
      before: async () => void (await conn.owner.query(`select audit.enable_tracking('public.skills')`)),
      after: async () => void (await conn.owner.query(`select audit.disable_tracking('public.skills')`)),
    });
  }
  return variants;
}

async function main(): Promise<void> {
  const started = Date.now();
  progress('starting PostgreSQL and migrating a fresh database');
  // Room for both tables and their indexes, so neither side of the comparison waits on the kernel.
  const bench = await openBenchDatabase({ shared_buffers: '2GB', max_wal_size: '8GB', max_connections: '50' });
  try {
    // Loading runs on its own connections, closed afterwards so their statistics are flushed.
    const setup = openRawPool({ connectionString: bench.ownerUrl, max: 1 });
    const loaded = await loadSkills(setup, {
      tenants: config.tenants,
      rows: config.rows,
      onProgress: progress,
    }).finally(() => setup.end());
    await measure(bench, loaded, started);
  } finally {
    await bench.close();
  }
}

async function measure(bench: BenchDatabase, loaded: LoadedSkills, started: number): Promise<void> {
  const openApp = () => Database.open({ url: bench.appUrl, contextKey: bench.contextKey, maxConnections: 1 });
  const [a, aAudit] = [await openApp(), await openApp()];
  const conn: Connections = {
    a,
    aAudit,
    b: onePool(bench.ownerUrl),
    c: onePool(bench.ownerUrl),
    d: onePool(bench.appUrl),
    d0: onePool(bench.appUrl),
    e: onePool(bench.ownerUrl),
    owner: onePool(bench.ownerUrl),
    app: onePool(bench.appUrl),
  };
  const { owner, app } = conn;
  const tables = ['public.skills', 'bench_baseline.skills'];
  let timedClosed = false;
  // Closing the timed connections also flushes their statistics, read below.
  const closeTimed = async () => {
    if (timedClosed) return;
    timedClosed = true;
    await Promise.all(
      [conn.b, conn.c, conn.d, conn.d0, conn.e, app].map((pool) => pool.end()).concat(a.close(), aAudit.close()),
    );
  };
  try {
    const signContext = tenantContextSigner(bench.contextKey);
    const warmed = await prewarm(owner, tables);
    const before = await Promise.all(tables.map((t) => bufferCounts(owner, t)));
    await printHeader(owner, { ...config, where: bench.where, loadSeconds: loaded.seconds, warmed });
    console.log(
      `  signing one tenant context in Node (HMAC-SHA256, the statement's text and parameters): ${formatUs(signingCost(signContext, loaded.tenantIds))} µs, median of 20 batches of 1,000`,
    );
    // The context is set once per explain transaction: one tenant each, a random row per statement.
    let tenantId = '';
    const prepare = async (c: RawPoolClient) => {
      tenantId = randomTenant(loaded.tenantIds);
      await c.query(...signContext(tenantId, actor, await readBinding(c)));
    };
    const preparePlain = async (c: RawPoolClient) => {
      tenantId = randomTenant(loaded.tenantIds);
      await c.query(plainContext, plainContextParams(tenantId));
    };
    const pickInTenant = (): Pick => ({ tenantId, row: randomRow(), seq: nextSeq() });
    for (const op of operations) {
      progress(op.title);
      const plans = op.inserts ? [] : await describePlans(op, conn, loaded.tenantIds[0] ?? '', signContext);
      const results = await runInterleaved(variantsFor(op, conn, loaded.tenantIds, signContext), {
        rounds: config.rounds,
        opsPerRound: op.inserts ? config.insertOps : config.ops,
        warmupOps: config.warmup,
        onProgress: (m) => progress(`  ${m}`),
      });
      const [rls, plainPolicyTimes, plain] = await serverTimes(
        [
          { pool: app, prepare, statement: () => op.rls(pickInTenant()) },
          {
            pool: app,
            prepare: preparePlain,
            statement: () => op.rls(pickInTenant()),
            before: async () => void (await owner.query(plainPolicy)),
            after: async () => void (await owner.query(verifiedPolicy)),
          },
          { pool: owner, prepare, statement: () => op.plain(pickInTenant()) },
        ],
        { samples: config.serverSamples, rounds: config.rounds },
      );
      if (!rls || !plainPolicyTimes || !plain) throw new Error('no server-side figures');
      printReport(op, results, plans, { samples: config.serverSamples, rls, plainPolicy: plainPolicyTimes, plain });
    }
    await closeTimed();
    // A backend flushes its statistics as it exits.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const after = await Promise.all(tables.map((t) => bufferCounts(owner, t)));
    printBufferUse(tables, before, after);
    console.log(`total ${((Date.now() - started) / 1000).toFixed(0)} s; load average now ${loadAverage()}`);
  } finally {
    await closeTimed();
    await owner.end();
  }
}

/** A binding as BEGIN reports one, for timing the signature alone. */
const sampleBinding = { pid: 4242, startedUs: '1764460800000000' };

/** What (a) and (d) spend in Node signing each transaction's context, in microseconds (median per batch). */
function signingCost(signContext: SignContext, tenantIds: string[]): number {
  const perBatch: number[] = [];
  for (let batch = 0; batch < 20; batch++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < 1000; i++) signContext(randomTenant(tenantIds), actor, sampleBinding);
    perBatch.push(Number(process.hrtime.bigint() - start) / 1000 / 1000);
  }
  return median(perBatch);
}

/** The plans (a)/(d) and (b)/(c)/(e) run, so the report shows both use the tenant index. */
async function describePlans(
  op: Operation,
  conn: { app: RawPool; owner: RawPool },
  tenantId: string,
  signContext: SignContext,
): Promise<string[]> {
  const p: Pick = { tenantId, row: 1, seq: 0 };
  const [rlsText, rlsParams] = op.rls(p);
  const [plainText, plainParams] = op.plain(p);
  const rlsPlan = await inBoundTransaction(conn.app, async (c, binding) => {
    await c.query(...signContext(tenantId, actor, binding));
    return describePlan(c, rlsText, rlsParams);
  });
  const plainPlan = await describePlan(conn.owner, plainText, plainParams);
  return [`plan under RLS:     ${rlsPlan}`, `plan without RLS:   ${plainPlan}`];
}

await main();
