import { listLedgerPartitions } from '../audit/partitions/list-ledger-partitions.ts';
import type { SqlRunner } from '../sql-runner.ts';
import { type CheckResult, checkResult } from './tenant-isolation.ts';

const ledgerTables = ['audit_logs', 'security_events'] as const;

const utcMonth = (at: Date, offset: number) => new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + offset, 1));
const monthName = (d: Date) => d.toISOString().slice(0, 7);

// Partitions anyone but their owner holds a privilege on: a grant on a
// partition opens it past the parent's row policy.
const grantedPartitionsSql = `
  select c.relname as partition,
         case when a.grantee = 0 then 'public' else quote_ident(pg_get_userbyid(a.grantee)) end as grantee,
         string_agg(a.privilege_type, ', ' order by a.privilege_type) as privileges
  from pg_inherits i
  join pg_class c on c.oid = i.inhrelid
  cross join aclexplode(c.relacl) a
  where i.inhparent in ('public.audit_logs'::regclass, 'public.security_events'::regclass)
    and a.grantee <> c.relowner
  group by 1, 2 order by 1, 2`;

// Months the retention door set aside (migration 0057) that no reclaim has
// dropped yet: out of the ledger and out of every role's reach but the
// owner's, yet still on disk, personal data included.
const retiredMonthsSql = `
  select c.relname as month, pg_size_pretty(pg_total_relation_size(c.oid)) as size
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname = 'audit_retired' and c.relkind in ('r', 'p')
  order by 1`;

/**
 * The ledger is partitioned by month with no default partition, so a write
 * in a month without a partition fails its transaction: this month's and
 * next month's partitions must exist for both tables (the server makes
 * them hourly, three months ahead). And no partition may carry a grant:
 * row level security on the parent does not guard a partition named
 * directly. A month retention retired must not stay set aside: a run that
 * stopped between the door and the reclaim leaves its files on disk.
 */
export async function checkLedgerPartitions(run: SqlRunner, at: Date = new Date()): Promise<CheckResult[]> {
  const partitions = await listLedgerPartitions(run);
  const results = ledgerTables.map((table) => {
    const missing = [0, 1]
      .map((offset) => ({ from: utcMonth(at, offset), to: utcMonth(at, offset + 1) }))
      .filter(
        (month) =>
          !partitions.some((p) => p.table === table && (p.from === null || p.from <= month.from) && p.to >= month.to),
      );
    return checkResult(
      'ledger_partitions_ahead',
      `public.${table}`,
      missing.length === 0
        ? null
        : {
            detail: `no partition for ${missing.map((m) => monthName(m.from)).join(' and ')}: every write to the ledger in that month will fail`,
            fix: 'skillhub maintain (a running server also creates them hourly; check its log if it did not)',
          },
      'error',
      `partitions for ${monthName(utcMonth(at, 0))} and ${monthName(utcMonth(at, 1))}`,
    );
  });
  const { rows } = await run<{ partition: string; grantee: string; privileges: string }>(grantedPartitionsSql);
  results.push(
    checkResult(
      'ledger_partition_grants',
      `${partitions.length} ledger partitions`,
      rows.length === 0
        ? null
        : {
            detail: `granted past the parent's row policy: ${rows.map((r) => `${r.grantee} may ${r.privileges} on ${r.partition}`).join('; ')}`,
            fix: rows.map((r) => `revoke all on public.${r.partition} from ${r.grantee};`).join(' '),
          },
    ),
  );
  const retired = (await run<{ month: string; size: string }>(retiredMonthsSql)).rows;
  results.push(
    checkResult(
      'retired_months_reclaimed',
      'audit_retired',
      retired.length === 0
        ? null
        : {
            detail: `retired but still on disk: ${retired.map((r) => `${r.month} (${r.size})`).join(', ')}`,
            fix: 'skillhub retention run (a running server also reclaims them hourly)',
          },
      'warning',
    ),
  );
  return results;
}
