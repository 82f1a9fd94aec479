import type { RawPool } from '@skillhub/db/bench';

interface IndexDefinition {
  name: string;
  /** The primary key or unique constraint it backs, as `alter table … add constraint` DDL; else null. */
  constraintDdl: string | null;
  indexDdl: string;
}

/**
 * Runs `load` on `table` with its indexes (constraint-backed ones included)
 * dropped, then rebuilds each from its own definition: building an index
 * once over millions of rows is far faster than maintaining it row by row.
 * Primary keys and unique constraints are dropped too only with
 * `constraints` (a key other tables' foreign keys point at cannot be).
 * Reports each rebuild through `say`.
 */
export async function withIndexesDropped(
  owner: RawPool,
  table: string,
  load: () => Promise<void>,
  options: { constraints?: boolean; say?: (message: string) => void } = {},
): Promise<void> {
  const { rows } = await owner.query<IndexDefinition>(
    `select i.indexrelid::regclass::text as name, pg_get_indexdef(i.indexrelid) as "indexDdl",
            case when c.conname is not null then format('alter table %s add constraint %I %s',
              i.indrelid::regclass, c.conname, pg_get_constraintdef(c.oid)) end as "constraintDdl"
     from pg_index i
     left join pg_constraint c on c.conindid = i.indexrelid and c.conrelid = i.indrelid and c.contype in ('p', 'u')
     where i.indrelid = $1::regclass and ($2::boolean or c.conname is null)
     order by 1`,
    [table, options.constraints ?? false],
  );
  for (const index of rows) {
    await owner.query(
      index.constraintDdl
        ? `alter table ${table} drop constraint ${index.name.replace(/^.*\./, '')}`
        : `drop index ${index.name}`,
    );
  }
  await load();
  for (const index of rows) {
    options.say?.(`building ${index.name}`);
    // A partitioned table's index prints as `ON ONLY parent`, which builds the parent's index alone and leaves
    // every partition without one: rebuilt on the whole table instead, as its migration made it.
    await owner.query(index.constraintDdl ?? index.indexDdl.replace(/ ON ONLY /, ' ON '));
  }
}
