import { encodeCursor, listAuditEvents, listSkills } from '@skillhub/core';
import type { Database, RequestActor } from '@skillhub/db';
import type { RawPool } from '@skillhub/db/bench';
import { type AppPool, inTenant } from '../audit/tenant-transaction.ts';
import { inTransaction } from '../lib/in-transaction.ts';
import type { Variant } from '../lib/interleaved-rounds.ts';
import { emailOf } from './load-catalog-at-scale.ts';

/** What every variant draws from: the loaded tenants and how many users each has. */
export interface Population {
  tenantIds: string[];
  usersPerTenant: number;
}

const pick = <T>(values: T[]): T => values[Math.floor(Math.random() * values.length)] as T;
// A workspace owner: the role that may read the whole audit timeline.
const reader: RequestActor = {
  actorType: 'user',
  actorId: null,
  role: 'owner',
  requestId: 'bench-scale',
  ip: '127.0.0.1',
};

// The statement listSkills sends for the first page sorted by update time
// (its default), written out for the owner's no-RLS baseline with the
// tenant as an explicit filter instead of the policy.
const skillsPageSql = (filter: boolean) => `select id, slug, name, description, content, tags, author_id, visibility,
  latest_version, rating_count, rating_sum, created_at, updated_at from public.skills
  ${filter ? 'where tenant_id = $1' : ''} order by updated_at desc, id desc limit 21`;

const timelineSql = (
  filter: boolean,
  after: boolean,
) => `select id, tenant_id, actor_type, actor_id, action, resource_type, resource_id,
  host(ip_address), request_id, metadata, operation::text, table_name, old_record, new_record, changed_fields,
  to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
  from public.audit_logs where ${filter ? 'tenant_id = $1' : 'true'}
  ${after ? `and (created_at, id) < ($${filter ? 2 : 1}::timestamptz, $${filter ? 3 : 2}::uuid)` : ''}
  order by created_at desc, id desc limit 51`;

/** The n-th newest event (0-based) of a tenant's timeline, as the cursor the page before it hands out. */
async function cursorAt(owner: RawPool, tenantId: string, depth: number): Promise<{ at: string; id: string }> {
  const { rows } = await owner.query<{ at: string; id: string }>(
    `select to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at, id from public.audit_logs
     where tenant_id = $1 order by created_at desc, id desc offset $2 limit 1`,
    [tenantId, depth],
  );
  const row = rows[0];
  if (!row) throw new Error(`${tenantId} has fewer than ${depth + 1} events`);
  return row;
}

/**
 * Skill list: the core use case through withTenant (RLS); the statements
 * withTenant sends, raw, as the runtime role (RLS, no Drizzle); and the
 * owner's same query with an explicit filter (no RLS).
 */
export function skillListVariants(db: Database, app: AppPool, owner: RawPool, population: Population): Variant[] {
  return [
    {
      key: 'rls',
      label: 'withTenant + listSkills — runtime role, RLS',
      run: async () => {
        const tenantId = pick(population.tenantIds);
        const page = await db.withTenant(tenantId, reader, (tx) => listSkills(tx, { sort: 'updated', limit: 20 }));
        if (page.skills.length !== 20) throw new Error(`listSkills returned ${page.skills.length} skills`);
      },
    },
    {
      key: 'raw',
      label: 'BEGIN, signed context, query, COMMIT — runtime role, RLS',
      run: async () => {
        const { rowCount } = await inTenant(app, pick(population.tenantIds), (c) => c.query(skillsPageSql(false)));
        if (rowCount !== 21) throw new Error(`the raw query returned ${rowCount} skills`);
      },
    },
    {
      key: 'owner',
      label: 'same query as the owner, where tenant_id = $1 — no RLS',
      run: async () => {
        const { rowCount } = await inTransaction(owner, (c) =>
          c.query(skillsPageSql(true), [pick(population.tenantIds)]),
        );
        if (rowCount !== 21) throw new Error(`the baseline returned ${rowCount} skills`);
      },
    },
  ];
}

/**
 * One tenant's audit timeline, 50 events a page: the first page, and the
 * page after `depth` events (the cursor a reader paging back would hold),
 * through listAuditEvents in withTenant, against the owner's same query.
 */
export async function timelineVariants(
  db: Database,
  app: AppPool,
  owner: RawPool,
  population: Population,
  depth: number,
): Promise<Variant[]> {
  // Cursors of 100 tenants, found once (the query that finds them is not what is measured).
  const sample = Array.from({ length: 100 }, () => pick(population.tenantIds));
  const cursors = await Promise.all(sample.map(async (t) => ({ tenantId: t, ...(await cursorAt(owner, t, depth)) })));
  const page = (deep: boolean) => async () => {
    const c = pick(cursors);
    const result = await db.withTenant(c.tenantId, reader, (tx) =>
      listAuditEvents(tx, { limit: 50, cursor: deep ? encodeCursor(c.at, c.id) : undefined }),
    );
    if (result.events.length !== 50) throw new Error(`listAuditEvents returned ${result.events.length} events`);
  };
  const baseline = (deep: boolean) => async () => {
    const c = pick(cursors);
    const params = deep ? [c.tenantId, c.at, c.id] : [c.tenantId];
    const { rowCount } = await inTransaction(owner, (client) => client.query(timelineSql(true, deep), params));
    if (rowCount !== 51) throw new Error(`the baseline returned ${rowCount} events`);
  };
  const raw = async () => {
    const { rowCount } = await inTenant(app, pick(cursors).tenantId, (c) => c.query(timelineSql(false, false)));
    if (rowCount !== 51) throw new Error(`the raw query returned ${rowCount} events`);
  };
  return [
    { key: 'first', label: 'first page: withTenant + listAuditEvents — RLS', run: page(false) },
    { key: 'first-raw', label: 'first page: BEGIN, signed context, query, COMMIT — RLS', run: raw },
    { key: 'first-owner', label: 'first page: same query as the owner — no RLS', run: baseline(false) },
    { key: 'deep', label: `page after ${depth.toLocaleString('en-US')} events — RLS`, run: page(true) },
    { key: 'deep-owner', label: `page after ${depth.toLocaleString('en-US')} — owner, no RLS`, run: baseline(true) },
  ];
}

/**
 * `should_block_login` (prepared, one round trip) for a random known user
 * and a random IP of the loaded sign-ins, in the user's tenant, against the
 * floor under any call: a prepared `select $1` round trip on the same
 * connection. As the owner: only it may name a tenant outside a tenant
 * context (migration 0035); the counting is the same.
 */
export function throttleVariants(app: RawPool, population: Population): Variant[] {
  const attempt = () => {
    const tenantId = pick(population.tenantIds);
    const ip = `10.${Math.floor(Math.random() * 200)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
    return [emailOf(tenantId, Math.floor(Math.random() * population.usersPerTenant)), ip, tenantId];
  };
  return [
    {
      key: 'throttle',
      label: 'platform.should_block_login(email, ip, tenant)',
      run: async () => {
        const { rowCount } = await app.query({
          name: 'throttle',
          text: 'select blocked, reason, failures from platform.should_block_login($1, $2::inet, $3)',
          values: attempt(),
        });
        if (rowCount !== 1) throw new Error(`should_block_login returned ${rowCount} rows`);
      },
    },
    {
      key: 'floor',
      label: 'select $1 — the round trip floor',
      run: async () => {
        await app.query({ name: 'floor', text: 'select $1::text as x', values: [attempt()[0]] });
      },
    },
  ];
}
