/**
 * What the ledger's wider key costs a write (migration 0071): the key of
 * audit_logs went from (id, created_at) to (id, created_at, tenant_id) so
 * that a Citus shard can enforce it. Two copies of the ledger's columns and
 * indexes, differing only in that key, take the same inserts (`--batch`
 * events of `--tenants` workspaces per statement, as a capture statement
 * writes them), interleaved round by round; the report gives the median
 * statement time of each, their ratio, and each key's size per million
 * events at the end.
 * Usage: npm run bench:ledger-key -- [--batch N] [--tenants N] [--rounds N] [--ops N]
 */
import { parseArgs } from 'node:util';
import { openRawPool } from '@skillhub/db/bench';
import { openBenchDatabase } from './lib/bench-database.ts';
import { median, runInterleaved, type Variant } from './lib/interleaved-rounds.ts';
import { positiveInteger } from './lib/positive-integer.ts';
import { formatRatio, formatTable, formatUs } from './lib/print-table.ts';

const { values: flags } = parseArgs({
  options: {
    batch: { type: 'string', default: '100' },
    tenants: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '5' },
    ops: { type: 'string', default: '200' },
  },
});
const batch = positiveInteger('batch', flags.batch);
const tenants = positiveInteger('tenants', flags.tenants);
const rounds = positiveInteger('rounds', flags.rounds);
const ops = positiveInteger('ops', flags.ops);

const keys = {
  narrow: 'id, created_at',
  wide: 'id, created_at, tenant_id',
};

// The ledger's columns and its secondary indexes (those of audit_logs), on a plain table.
const copySql = (name: string, key: string) => `
  create table bench_key.${name} (like public.audit_logs including defaults);
  alter table bench_key.${name} alter column seq set default nextval('bench_key.seq');
  alter table bench_key.${name} add primary key (${key});
  create index on bench_key.${name} (tenant_id, created_at desc);
  create index on bench_key.${name} (actor_id, created_at desc);
  create index on bench_key.${name} (action, created_at desc);
  create index on bench_key.${name} using brin (created_at);
  create index on bench_key.${name} (txid, seq);`;

// Workspace ids are uuids as text (36 characters), as tenants.id's default makes them.
const insertSql = (name: string) => `
  insert into bench_key.${name} (tenant_id, actor_type, actor_id, action, resource_type, resource_id, metadata)
  select md5(((g + (random() * $2::int)::int) % $2::int)::text)::uuid::text, 'user', gen_random_uuid()::text, 'skill.updated',
         'skill', gen_random_uuid()::text, '{"field": "value"}'
  from generate_series(1, $1::int) g`;

const db = await openBenchDatabase({});
const owner = openRawPool({ connectionString: db.ownerUrl, max: 1 });
try {
  await owner.query(`create schema bench_key; create sequence bench_key.seq;
    ${copySql('narrow', keys.narrow)} ${copySql('wide', keys.wide)}`);
  const variants: Variant[] = (['narrow', 'wide'] as const).map((name) => ({
    key: name,
    label: `key (${keys[name]})`,
    run: async () => {
      await owner.query(insertSql(name), [batch, tenants]);
    },
  }));
  const results = await runInterleaved(variants, {
    rounds,
    opsPerRound: ops,
    warmupOps: Math.min(ops, 20),
    onProgress: (m) => process.stderr.write(`${m}\n`),
  });
  const sizes = await owner.query<{ name: string; rows: string; key_bytes: string }>(
    `select c.relname as name, (select count(*) from bench_key.narrow)::text as rows,
            pg_relation_size(i.indexrelid)::text as key_bytes
     from pg_index i join pg_class c on c.oid = i.indrelid
     where i.indisprimary and c.relnamespace = 'bench_key'::regnamespace`,
  );
  const sizeOf = (name: string) => {
    const row = sizes.rows.find((r) => r.name === name);
    return row ? (((Number(row.key_bytes) / Number(row.rows)) * 1e6) / 2 ** 20).toFixed(1) : '?';
  };
  const medians = results.map((r) => median(r.latenciesUs));
  const [narrow = Number.NaN, wide = Number.NaN] = medians;
  console.log(`${db.where}; ${batch} events per statement, ${tenants} workspaces, ${rounds} rounds of ${ops}`);
  console.log(
    formatTable([
      ['key', 'median µs per statement', 'key MB per million events'],
      ...results.map((r, i) => [r.label, formatUs(medians[i] ?? Number.NaN), sizeOf(r.key)]),
      ['wide ÷ narrow', formatRatio(wide / narrow), ''],
    ]),
  );
} finally {
  await owner.end();
  await db.close();
}
