import { type Attempt, attempt, literal } from './attempt.ts';
import type { SelftestCheck } from './selftest-check.ts';
import { type AttackSetup, inRolledBackTenant } from './tenant-attacks.ts';
import type { TenantTable } from './tenant-tables.ts';

const describe = (outcome: Attempt) => ('refused' in outcome ? `refused (${outcome.refused})` : `${outcome.rows} rows`);
const touched = (outcome: Attempt) => ('refused' in outcome ? 0 : outcome.rows);
const firstNumber = (outcome: Attempt) => ('refused' in outcome ? 0 : Number(outcome.values[0] ?? 0));

/**
 * A copy of one of A's rows with B as its tenant (and a new id). Only the
 * columns that take a value are named: PostgreSQL refuses a value for a
 * generated or always-identity column before row security is asked, and
 * that refusal would say nothing about isolation.
 */
const copyToB = (table: TenantTable, columns: string[], a: string, b: string) => {
  const column = table.tenantColumn.slice(1, -1).replaceAll('""', '"');
  return `insert into ${table.qualified} (${columns.join(', ')})
    select ${columns.map((c) => `r.${c}`).join(', ')}
      from ${table.qualified} x,
           lateral jsonb_populate_record(null::${table.qualified},
             to_jsonb(x) || jsonb_build_object(${literal(column)}, ${literal(b)}, 'id', gen_random_uuid())) r
     where x.${table.tenantColumn} = ${literal(a)} limit 1`;
};

const writableColumns = (table: TenantTable) => `
  select quote_ident(attname) from pg_attribute
   where attrelid = ${literal(table.qualified)}::regclass and attnum > 0 and not attisdropped
     and attgenerated = '' and attidentity <> 'a'
   order by attnum`;

/**
 * Per tenant table, in A's verified context: read for rows not A's; insert
 * a copy of A's row naming B; update and delete every row not A's; move
 * A's rows to B. Each write is rolled back. How many rows B itself sees
 * (in B's context) shows the read had something to find.
 */
export async function rowChecks(setup: AttackSetup, tables: TenantTable[]): Promise<SelftestCheck[]> {
  const a = setup.a.id;
  const b = setup.b.id;
  const checks: SelftestCheck[] = [];
  for (const table of tables) {
    const ownOfB = await inRolledBackTenant(
      setup,
      async (tx) => firstNumber(await attempt(tx, `select count(*)::int from ${table.qualified}`)),
      setup.b,
    );
    const outcomes = await inRolledBackTenant(setup, async (tx) => {
      const columns = await attempt(tx, writableColumns(table));
      const names = 'refused' in columns ? [] : columns.values.map(String);
      return {
        read: await attempt(
          tx,
          `select count(*)::int from ${table.qualified} where ${table.tenantColumn} is distinct from ${literal(a)}`,
        ),
        insert: await attempt(tx, copyToB(table, names, a, b)),
        update: await attempt(
          tx,
          `update ${table.qualified} set ${table.tenantColumn} = ${table.tenantColumn} where ${table.tenantColumn} is distinct from ${literal(a)}`,
        ),
        delete: await attempt(
          tx,
          `delete from ${table.qualified} where ${table.tenantColumn} is distinct from ${literal(a)}`,
        ),
        move: await attempt(
          tx,
          `update ${table.qualified} set ${table.tenantColumn} = ${literal(b)} where ${table.tenantColumn} = ${literal(a)}`,
        ),
      };
    });
    checks.push({
      name: `sql read: ${table.name}`,
      tried: `select every row of ${table.name} in A's verified context`,
      result: firstNumber(outcomes.read) === 0 ? 'held' : 'failed',
      detail: `rows not A's: ${firstNumber(outcomes.read)} (B sees ${ownOfB} of its own there)`,
    });
    for (const write of ['insert', 'update', 'delete', 'move'] as const) {
      const outcome = outcomes[write];
      checks.push({
        name: `sql ${write}: ${table.name}`,
        tried: {
          insert: `insert a copy of A's row naming B as its tenant into ${table.name}`,
          update: `update every row of ${table.name} that is not A's`,
          delete: `delete every row of ${table.name} that is not A's`,
          move: `move A's rows of ${table.name} to B`,
        }[write],
        result: touched(outcome) === 0 ? 'held' : 'failed',
        detail: describe(outcome),
      });
    }
  }
  return checks;
}
