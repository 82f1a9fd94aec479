import { sql } from 'drizzle-orm';
import type { TenantTx } from '../tenant-context/context-store.ts';

/** A table the runtime role can reach whose rows belong to a tenant, and the column naming it. */
export interface TenantTable {
  /** Schema-qualified, quoted: ready for SQL. */
  qualified: string;
  name: string;
  tenantColumn: string;
}

/**
 * Every table the runtime role holds any privilege on that has a
 * `tenant_id` column, plus `tenants` itself, read from the catalog each
 * run: a table added later is attacked without anyone listing it.
 */
export async function tenantTablesVisibleTo(tx: TenantTx): Promise<TenantTable[]> {
  const { rows } = await tx.execute<{ schema: string; name: string; tenant_column: string }>(sql`
    select c.table_schema as schema, c.table_name as name, c.column_name as tenant_column
      from information_schema.columns c
      join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
     where t.table_type = 'BASE TABLE'
       and ((c.column_name = 'tenant_id') or (c.table_schema = 'public' and c.table_name = 'tenants' and c.column_name = 'id'))
       and c.table_schema not in ('pg_catalog', 'information_schema')
     order by 1, 2`);
  return rows.map((r) => ({
    qualified: `${quote(r.schema)}.${quote(r.name)}`,
    name: r.schema === 'public' ? r.name : `${r.schema}.${r.name}`,
    tenantColumn: quote(r.tenant_column),
  }));
}

const quote = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;
