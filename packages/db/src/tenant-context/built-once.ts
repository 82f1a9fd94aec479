import { type Column, eq, type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import type { TenantTx } from './context-store.ts';
import { currentTenantId } from './same-tenant.ts';

/** The placeholder a query built once names its tenant by: bound on every call, never when it is built. */
const tenantPlaceholder = 'skillhub.current_tenant';

/**
 * `<column> = <the current tenant>` in a query {@link builtOnce}: what `sameTenant` is in a query built
 * on every call. The tenant is a placeholder, bound to the calling transaction's tenant each time the
 * query runs, so the query built for one tenant's request never carries that tenant into the next.
 * Outside builtOnce the query fails ("No value for placeholder"), it never runs unfiltered.
 */
export const sameTenantBound = (column: Column | SQLWrapper): SQL => eq(column, sql.placeholder(tenantPlaceholder));

/** What a Drizzle query builder turns into, bound to its session's connection, run with placeholder values. */
interface Executable {
  execute(values?: Record<string, unknown>): Promise<unknown>;
}

/** A Drizzle select, insert, update or delete: `prepare` is its public face, `_prepare` the unnamed one. */
interface Preparable<P extends Executable> {
  prepare(name: string): P;
}

/** The Drizzle session `tx` runs on: one per pooled connection (DrizzleParts), shared by its savepoints. */
const sessionOf = (tx: TenantTx): object => (tx as unknown as { session: object }).session;

/**
 * A query Drizzle builds once per pooled connection rather than on every call. Building a select (its
 * SQL text and parameter list) costs the server about 130 µs of CPU, as much as PostgreSQL takes to run
 * a read by id, and a request's queries have the same shape every time: `build` runs the first time a
 * connection's session meets the query, with `sql.placeholder(name)` where the values go and
 * {@link sameTenantBound} for the tenant; every call then binds `values` and the current tenant.
 *
 * The prepared query is unnamed: whether its text is also prepared by PostgreSQL on the connection is
 * ContextFirstClient's choice (hot statements, a bounded number per connection), as for any statement.
 *
 * @example
 * const skillBySlug = builtOnce((tx) =>
 *   tx.select().from(skills).where(and(sameTenantBound(skills.tenantId), eq(skills.slug, sql.placeholder('slug')))),
 * );
 * const rows = await skillBySlug(tx, { slug: 'code-review' });
 */
export function builtOnce<P extends Executable>(
  build: (tx: TenantTx) => Preparable<P>,
): (tx: TenantTx, values?: Record<string, unknown>) => ReturnType<P['execute']> {
  const built = new WeakMap<object, P>();
  return (tx, values = {}) => {
    const session = sessionOf(tx);
    let prepared = built.get(session);
    if (!prepared) {
      prepared = (build(tx) as unknown as { _prepare(): P })._prepare();
      built.set(session, prepared);
    }
    return prepared.execute({ ...values, [tenantPlaceholder]: currentTenantId() }) as ReturnType<P['execute']>;
  };
}

/**
 * {@link builtOnce} for a query whose parts vary with a few flags or choices (a filter given or not, the
 * sort): one query built per shape and connection, `build` told which shape to build.
 */
export function builtOncePerShape<S extends Record<string, string | boolean>, P extends Executable>(
  build: (tx: TenantTx, shape: S) => Preparable<P>,
): (tx: TenantTx, shape: S, values?: Record<string, unknown>) => ReturnType<P['execute']> {
  const shapes = new Map<string, ReturnType<typeof builtOnce<P>>>();
  return (tx, shape, values) => {
    // Named entries, sorted and quoted: two shapes never share a key, whatever order their fields came in.
    const key = JSON.stringify(
      Object.keys(shape)
        .sort()
        .map((name) => [name, shape[name]]),
    );
    let query = shapes.get(key);
    if (!query) {
      // A copy: the caller's object may change after this call; the built query is for this shape alone.
      const fixed = { ...shape };
      query = builtOnce((shapeTx) => build(shapeTx, fixed));
      shapes.set(key, query);
    }
    return query(tx, values);
  };
}
