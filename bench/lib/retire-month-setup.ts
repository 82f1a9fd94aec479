import type { RawPool } from '@skillhub/db/bench';
import { standInSealsSql } from './stand-in-seals.ts';

/**
 * Seals every event of a ledger nothing has sealed yet with stand-in
 * hashes (`standInSealsSql`), and covers each chain with a checkpoint
 * carrying no signature, for months of millions of events. The retirement
 * door reads the latest checkpoint's size and origin line only.
 */
export function bulkSealSql(deployment: string): string {
  return `begin;
    ${standInSealsSql()};
    insert into audit.checkpoints (chain, tree_size, root_hash, key_id, note)
    select k.chain, k.size, sha256(convert_to(k.chain || k.size, 'UTF8')), '00000000',
           format(E'%s/audit/%s\\n%s\\nstand-in\\n\\n— bench stand-in\\n', '${deployment}',
                  case when k.chain = '' then 'system' else k.chain end, k.size)
    from (select s.chain, max(s.position) as size from audit.seals s group by s.chain) k
    on conflict do nothing;
    commit;`;
}

/** Statements of the month plan, each with the month's bounds and one workspace's chain filled in. */
function planStatements(from: string, to: string): [string, string][] {
  return [
    [
      '0052 plan: the month grouped by chain, a seal probe per event',
      `select coalesce(l.tenant_id, '') as chain, count(*) as events, count(s.position) as sealed,
              max(s.position) as last_leaf
       from audit_logs l left join audit.seals s on s.event_id = l.id
       where l.created_at >= '${from}' and l.created_at < '${to}' group by 1 order by 1`,
    ],
    [
      "0052 chain plan: one chain's first leaf not expired (its events since the cutoff, a seal probe each)",
      `select min(s.position) - 1 from audit_logs l join audit.seals s on s.event_id = l.id
       where l.tenant_id = 'bench-1' and l.created_at >= now() - interval '30 days'`,
    ],
    [
      "0062 plan: the month's last event in (txid, seq) order",
      `select txid, seq from audit_logs where created_at >= '${from}' and created_at < '${to}'
       order by txid desc, seq desc limit 1`,
    ],
    [
      '0062 plan: events of the month past the sealing cursor',
      `select coalesce(l.tenant_id, ''), count(*) from audit_logs l, audit.sealing_cursor() c
       where l.created_at >= '${from}' and l.created_at < '${to}' and (l.txid, l.seq) > (c.txid, c.seq) group by 1`,
    ],
    [
      '0062 plan: the next chain with events in the month (skip scan)',
      `select tenant_id from audit_logs where created_at >= '${from}' and created_at < '${to}'
       and tenant_id > 'bench-1' order by tenant_id limit 1`,
    ],
    [
      "0062 plan: a chain's newest event in the month",
      `select created_at from audit_logs where created_at >= '${from}' and created_at < '${to}'
       and tenant_id = 'bench-1' order by created_at desc limit 1`,
    ],
  ];
}

/** EXPLAIN (ANALYZE, BUFFERS) of the month plan's statements for `partition`, as text to print. */
export async function explainMonthPlan(owner: RawPool, partition: string): Promise<string> {
  const { rows } = await owner.query<{ from: Date; to: Date }>(
    `select range_from as from, range_to as to from audit.ledger_partitions where partition_name = $1`,
    [partition],
  );
  const month = rows[0];
  if (!month) throw new Error(`no partition ${partition}`);
  const out: string[] = [`\nEXPLAIN (ANALYZE, BUFFERS) of the plan's statements for ${partition}`];
  for (const [label, statement] of planStatements(month.from.toISOString(), month.to.toISOString())) {
    const plan = await owner.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${statement}`);
    out.push(`\n-- ${label}`, ...plan.rows.map((row) => row['QUERY PLAN']));
  }
  return out.join('\n');
}
