// Regression: a signed tenant context sent as a literal was readable, while its transaction ran, by
// every other session of the runtime role (pg_stat_activity shows the same role's query text), and
// a copy replayed at once in another transaction passed the 2-second freshness check. One injected
// statement in tenant A's request could lift tenant B's context from a concurrent request and read
// B's rows. Each attack below runs as the runtime role inside a real withTenant(A) while a
// withTenant(B) is open, and must leave B unread.
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type Database, sql, systemActor, type TenantTx } from '../src/index.ts';
import { parseContextKey } from '../src/tenant-context/context-key.ts';
import { beginBoundText, bindingOf, signTenantContext } from '../src/tenant-context/context-token.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';
import { actor, seedTenantRows } from './support/tenant-rows.ts';

let testDb: TestDatabase;
let db: Database;
let tenantA: string;
let tenantB: string;

/** A signed context as it appears in text: `<key id>:<64 hex>:{JSON}` inside a quoted literal. */
const contextPattern = /\d+:[0-9a-f]{64}:\{[^']*\}/g;

/**
 * Runs `attack` inside withTenant(A) while withTenant(B) has set its context and waits, and returns
 * what the attack returned. B's transaction ends after the attack, whatever happens.
 */
async function whileBIsOpen<T>(attack: (tx: TenantTx) => Promise<T>): Promise<T> {
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  let opened = () => {};
  const open = new Promise<void>((resolve) => {
    opened = resolve;
  });
  // B waits right after its first statement, which carried its context: the context is set on B's
  // backend and the pipeline that set it is that backend's latest query.
  const b = db.withTenant(tenantB, actor('victim'), async (tx) => {
    await tx.execute(sql`select count(*)::int from skills where tenant_id = ${tenantB}`);
    opened();
    await held;
  });
  await open;
  try {
    return await db.withTenant(tenantA, actor('attacker'), attack);
  } finally {
    release();
    await b;
  }
}

/** What B's context gives in A's transaction: the number of B's skills read, or the refusal. */
async function replay(tx: TenantTx, stolen: string): Promise<number | string> {
  try {
    await tx.execute(sql`savepoint theft`);
    await tx.execute(sql`select set_config('app.context', ${stolen}, true)`);
    const read = await tx.execute<{ n: number }>(
      sql`select count(*)::int as n from skills where tenant_id = ${tenantB}`,
    );
    await tx.execute(sql`rollback to savepoint theft`);
    return read.rows[0]?.n ?? 0;
  } catch (error) {
    await tx.execute(sql`rollback to savepoint theft`);
    return (error as { cause?: { message?: string }; message?: string }).cause?.message ?? String(error);
  }
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await testDb.openApp();
  tenantA = (await db.platform.createTenant({ name: 'Acme', slug: 'acme' }, systemActor('test'))).id;
  tenantB = (await db.platform.createTenant({ name: 'Globex', slug: 'globex' }, systemActor('test'))).id;
  await seedTenantRows(db, tenantA);
  await seedTenantRows(db, tenantB);
});
afterAll(() => testDb.drop());

test("B's context, read from pg_stat_activity while B's transaction is open, opens none of B's rows", async () => {
  const outcome = await whileBIsOpen(async (tx) => {
    const others = await tx.execute<{ query: string }>(
      sql`select query from pg_stat_activity where pid <> pg_backend_pid() and query like '%app.context%'`,
    );
    const stolen = others.rows.flatMap((row) => row.query.match(contextPattern) ?? []);
    const replays = [];
    for (const context of stolen) replays.push(await replay(tx, context.replace(/''/g, "'")));
    return { stolen: stolen.length, replays };
  });
  // Either nothing is there to steal, or what is there opens nothing.
  for (const result of outcome.replays) expect(result).not.toBe(1);
  expect(outcome.replays.every((result) => typeof result === 'string')).toBe(true);
});

test("B's own context, replayed at once on another connection of the runtime role, opens nothing", async () => {
  let copied = '';
  const client = new pg.Client({ connectionString: testDb.appUrl });
  await client.connect();
  try {
    await db.withTenant(tenantB, actor('victim'), async (tx) => {
      const row = await tx.execute<{ context: string }>(sql`select current_setting('app.context') as context`);
      copied = row.rows[0]?.context ?? '';
      // Replayed while B's transaction is still open, well inside the freshness window.
      await client.query('begin');
      await client.query(`select set_config('app.context', $1, true)`, [copied]);
      const read = await client.query('select count(*)::int as n from skills').then(
        (r) => r.rows[0]?.n as number,
        (error: Error) => error.message,
      );
      await client.query('rollback');
      expect(read).toMatch(/issued for another transaction \(on backend/);
    });
  } finally {
    await client.end();
  }
  expect(copied).not.toBe('');
});

test('a context replayed on the very backend it was signed for, in its next transaction, opens nothing', async () => {
  const key = parseContextKey(await testDb.contextKey());
  const client = new pg.Client({ connectionString: testDb.appUrl });
  await client.connect();
  try {
    const begin = async () =>
      bindingOf(((await client.query(beginBoundText)) as unknown as pg.QueryResult[])[1]?.rows[0]);
    const context = signTenantContext(key, tenantB, actor('victim'), await begin());
    await client.query(`select set_config('app.context', $1, true)`, [context]);
    const own = await client.query('select count(*)::int as n from skills');
    await client.query('commit');
    expect(own.rows[0]?.n).toBe(1);

    await begin();
    await client.query(`select set_config('app.context', $1, true)`, [context]);
    const replayed = await client.query('select count(*)::int as n from skills').then(
      (r) => r.rows[0]?.n as number,
      (error: Error) => error.message,
    );
    await client.query('rollback');
    expect(replayed).toMatch(/issued for another transaction/);
  } finally {
    await client.end();
  }
});

test("a session-level SET left by one request's SQL is gone before the next request on that connection", async () => {
  const single = await testDb.openApp({ maxConnections: 1 });
  await single.withTenant(tenantA, actor('attacker'), async (tx) => {
    await tx.execute(sql.raw(`set app.context = 'left behind'`));
    await tx.execute(sql.raw('set statement_timeout = 0'));
    await tx.execute(sql.raw('set search_path = pg_temp, public'));
  });
  // A door outside any tenant on the same (only) connection reads no leftover context.
  expect(await single.platform.findTenantBySlug('acme', systemActor('test'))).toMatchObject({ id: tenantA });
  const settings = await single.withTenant(tenantB, actor('victim'), async (tx) => {
    const { rows } = await tx.execute<{ search_path: string; context: string }>(
      sql`select current_setting('search_path') as search_path, current_setting('app.context') as context`,
    );
    return rows[0];
  });
  expect(settings?.search_path).not.toContain('pg_temp');
  expect(settings?.context).not.toBe('left behind');
});

/** The claims a signed context carries: its JSON payload, after the key id and the MAC. */
const claimsOf = (context: string): Record<string, unknown> =>
  JSON.parse(context.slice(context.indexOf(':', context.indexOf(':') + 1) + 1));

test("a ticket-bound context copied out of B's transaction opens nothing in the connection's next transaction", async () => {
  const single = await testDb.openApp({ maxConnections: 1 });
  try {
    // The first transaction on the connection begins the 0034 way and ends by drawing a ticket; the
    // second's context is bound to that ticket (migration 0060), which is what is copied here.
    await single.withTenant(tenantB, actor('victim'), (tx) => tx.execute(sql`select ${1}::int`));
    const stolen = await single.withTenant(tenantB, actor('victim'), async (tx) => {
      const { rows } = await tx.execute<{ context: string }>(
        sql`select current_setting('app.context') as context where ${1}::int = 1`,
      );
      return rows[0]?.context ?? '';
    });
    expect(claimsOf(stolen)).toHaveProperty('n');
    const outcome = await single.withTenant(tenantA, actor('attacker'), (tx) => replay(tx, stolen));
    expect(outcome).toMatch(/no longer this session's/);
  } finally {
    await single.close();
  }
});

test('a ticket opens nothing once its session has drawn another, however the runtime role draws, nor elsewhere', async () => {
  const key = parseContextKey(await testDb.contextKey());
  const [client, other] = [
    new pg.Client({ connectionString: testDb.appUrl }),
    new pg.Client({ connectionString: testDb.appUrl }),
  ];
  await client.connect();
  await other.connect();
  const draw = async (on: pg.Client) =>
    (
      await on.query<{ ticket: string; boot: string }>(
        `select nextval('platform.context_ticket')::text as ticket,
                (extract(epoch from pg_postmaster_start_time()) * 1000000)::bigint::text as boot`,
      )
    ).rows[0] as { ticket: string; boot: string };
  const readB = async (on: pg.Client, context: string) => {
    await on.query('begin');
    const read = await on
      .query(`select set_config('app.context', $1, true)`, [context])
      .then(() => on.query('select count(*)::int as n from skills'))
      .then(
        (r) => r.rows[0]?.n as number,
        (error: Error) => error.message,
      );
    await on.query('rollback');
    return read;
  };
  try {
    const { ticket, boot } = await draw(client);
    const signed = (bootUs: string) =>
      signTenantContext(key, tenantB, actor('victim'), {
        pid: (client as unknown as { processID: number }).processID,
        ticket,
        bootUs,
      });
    const context = signed(boot);
    expect(await readB(client, context)).toBe(1);
    // Signed under another start of the server: retired by the restart, whatever the sequence says.
    expect(await readB(client, signed(String(BigInt(boot) - 1n)))).toMatch(/no longer this session's/);
    // On another backend, even one holding a ticket of its own.
    await draw(other);
    expect(await readB(other, context)).toMatch(/on backend \d+\), not this one/);
    // The session moves on (the server's cleanup draws at every transaction's end): values never return.
    for (let i = 0; i < 5; i++) {
      await draw(client);
      expect(await readB(client, context)).toMatch(/no longer this session's/);
    }
    // The runtime role draws tickets, and can never set one.
    for (const statement of [
      `select setval('platform.context_ticket', ${ticket})`,
      `alter sequence platform.context_ticket restart with ${ticket}`,
      `alter sequence platform.context_ticket minvalue 1 increment by -1`,
    ]) {
      await expect(client.query(statement)).rejects.toMatchObject({ code: '42501' });
    }
  } finally {
    await client.end();
    await other.end();
  }
});

test("a context signed for the system chain's '' reads none of its rows and writes nothing into it", async () => {
  await db.platform.logSecurityEvent({ type: 'login_failed', email: 'nobody@example.com' }, systemActor('test'));
  const stored = await testDb.ownerQuery<{ events: number; security: number }>(
    `select (select count(*)::int from audit_logs where tenant_id = '') as events,
            (select count(*)::int from security_events where tenant_id = '') as security`,
  );
  expect(stored.rows[0]?.events).toBeGreaterThan(0);
  expect(stored.rows[0]?.security).toBeGreaterThan(0);
  // A context the server never signs (withTenant refuses ''), signed here with the real key and bound to
  // its transaction, so only the database's own refusal stands between it and the system chain.
  const key = parseContextKey(await testDb.contextKey());
  const client = new pg.Client({ connectionString: testDb.appUrl });
  await client.connect();
  try {
    const binding = bindingOf(((await client.query(beginBoundText)) as unknown as pg.QueryResult[])[1]?.rows[0]);
    await client.query(`select set_config('app.context', $1, true)`, [
      signTenantContext(key, '', actor('forger'), binding),
    ]);
    const seen = await client.query(
      `select (select count(*)::int from audit_logs) as events, (select count(*)::int from security_events) as security,
              (select count(*)::int from security_event_tallies) as tallies`,
    );
    expect(seen.rows[0]).toEqual({ events: 0, security: 0, tallies: 0 });
    const written = await client.query(`select audit.record_event('forged', 'x', 'y', '{}')`).then(
      () => 'written',
      (error: Error) => error.message,
    );
    expect(written).toMatch(/this transaction has none/);
  } finally {
    await client.query('rollback').catch(() => {});
    await client.end();
  }
  await expect(db.withTenant('', actor(), async () => {})).rejects.toMatchObject({ code: 'INVALID_TENANT_ID' });
});
