import type { PrivateCluster } from '@skillhub/db/testing';
import type { Ack } from './write-load.ts';

type OwnerQuery = PrivateCluster['ownerQuery'];

/**
 * How many acknowledged writes cannot be found, as the owner: a created
 * skill must exist with its change record and its `skill.created` event;
 * an update must have left its change record (the row may have changed
 * since); a rating must exist with a change record of that score. Whether
 * the rows are what the ledger says is `compareLedgerWithTables`' job.
 */
export async function countLostWrites(ownerQuery: OwnerQuery, acks: Ack[]): Promise<number> {
  // One tenant at a time, named as a value in every subquery: on a Citus cluster the query then goes whole
  // to that tenant's node (a correlation alone is not enough for Citus to plan it).
  const found = async (kind: Ack['kind'], conditions: string) => {
    let total = 0;
    for (const tenant of new Set(acks.map((ack) => ack.tenantId))) {
      const { rows } = await ownerQuery<{ found: number }>(
        `select count(*)::int as found
         from jsonb_to_recordset($1::jsonb) as a(kind text, "tenantId" text, "skillId" text, marker text,
                                                  "userId" text, score int)
         where ${conditions}`,
        [JSON.stringify(acks.filter((ack) => ack.kind === kind && ack.tenantId === tenant)), tenant],
      );
      total += rows[0]?.found ?? 0;
    }
    return total;
  };
  const skillExists = `exists (select from skills s where s.tenant_id = $2 and s.id::text = a."skillId")`;
  const change = (table: string, operations: string, match: string) =>
    `exists (select from audit_logs l where l.tenant_id = $2 and l.table_name = '${table}'
             and l.operation in (${operations}) and ${match})`;
  const created = await found(
    'create',
    `${skillExists}
     and ${change('skills', `'INSERT'`, `l.resource_id = a."skillId" and l.new_record ->> 'description' = a.marker`)}
     and exists (select from audit_logs l where l.tenant_id = $2 and l.action = 'skill.created'
                 and l.resource_id = a."skillId")`,
  );
  const updated = await found(
    'update',
    `${skillExists}
     and ${change('skills', `'UPDATE'`, `l.resource_id = a."skillId" and l.new_record ->> 'description' = a.marker`)}`,
  );
  const rated = await found(
    'rate',
    `exists (select from ratings r where r.tenant_id = $2 and r.skill_id::text = a."skillId"
             and r.user_id::text = a."userId")
     and ${change(
       'ratings',
       `'INSERT', 'UPDATE'`,
       `l.new_record ->> 'skill_id' = a."skillId" and l.new_record ->> 'user_id' = a."userId"
        and (l.new_record ->> 'score')::int = a.score`,
     )}`,
  );
  return acks.length - created - updated - rated;
}

export interface LedgerComparison {
  /** Change records of the tenants, over every tracked table. */
  changes: number;
  /**
   * Changes the ledger does not record: rows whose content no record ends
   * in, plus records whose old row is not the previous record's new one (a
   * change happened in between without its record).
   */
  changesWithoutEvents: number;
  /** Records whose change is not in the table: a row's last record that the row does not match. */
  eventsWithoutChanges: number;
  /** The same three per table, for a failure message. */
  byTable: Record<string, { changes: number; brokenLinks: number; rowsUnrecorded: number; eventsUnapplied: number }>;
}

/**
 * Replays the ledger against the tables, for the given tenants and every
 * table under change capture: per row (tenant and resource id), its change
 * records in the order they were written (`seq`; writers of one row are
 * serialized by its lock) must chain, each one's old row being the previous
 * one's new row, and the last one must be the row as it is now (without
 * the columns capture redacts and the personal ones it seals). A change committed without its record, or
 * a record whose change was lost, breaks one or the other.
 */
export async function compareLedgerWithTables(ownerQuery: OwnerQuery, tenantIds: string[]): Promise<LedgerComparison> {
  const { rows: tables } = await ownerQuery<{ name: string; qualified: string; redact: string[] }>(
    // Personal columns (migration 0046) travel sealed in the event's envelope, not in its records, so the
    // comparison leaves them out on both sides, as it leaves out the columns capture redacts.
    `select c.relname as name, format('%I.%I', n.nspname, c.relname) as qualified,
            t.redact || array(select cc.column_name from audit.column_classes cc
                              where cc.relid = t.relid and cc.class = 'personal') as redact
     from audit.tracked_tables t join pg_class c on c.oid = t.relid join pg_namespace n on n.oid = c.relnamespace
     -- Tenant tables only: the writers write in tenants (the operator's deployment sink has no tenant).
     where exists (select from pg_attribute a where a.attrelid = t.relid and a.attname = 'tenant_id' and not a.attisdropped)
     order by 1`,
  );
  const result: LedgerComparison = { changes: 0, changesWithoutEvents: 0, eventsWithoutChanges: 0, byTable: {} };
  // A tenant at a time, as countLostWrites: on a Citus cluster each comparison then runs on the tenant's node.
  for (const table of tables) {
    const byTable = { changes: 0, brokenLinks: 0, rowsUnrecorded: 0, eventsUnapplied: 0 };
    result.byTable[table.name] = byTable;
    for (const tenantId of tenantIds) {
      const { rows } = await ownerQuery<{
        changes: number;
        broken_links: number;
        rows_unrecorded: number;
        events_unapplied: number;
      }>(
        `with events as (
         select operation::text as operation, old_record, new_record,
                lag(new_record) over w as previous_new, lag(operation::text) over w as previous_operation,
                row_number() over (partition by tenant_id, resource_id order by seq desc) as from_last
         from audit_logs
         where table_name = $1 and operation is not null and tenant_id = $2
         window w as (partition by tenant_id, resource_id order by seq)
       ),
       last_records as (select new_record - $3::text[] as record from events where from_last = 1 and operation <> 'DELETE'),
       current_rows as (select to_jsonb(t) - $3::text[] as record from ${table.qualified} t where t.tenant_id = $2)
       select
         (select count(*)::int from events) as changes,
         (select count(*)::int from events
          where case operation when 'INSERT' then coalesce(previous_operation, 'DELETE') <> 'DELETE'
                               else old_record is distinct from previous_new end) as broken_links,
         (select count(*)::int from (select record from current_rows except all select record from last_records) x)
           as rows_unrecorded,
         (select count(*)::int from (select record from last_records except all select record from current_rows) x)
           as events_unapplied`,
        [table.name, tenantId, table.redact],
      );
      const row = rows[0] ?? { changes: 0, broken_links: 0, rows_unrecorded: 0, events_unapplied: 0 };
      result.changes += row.changes;
      result.changesWithoutEvents += row.rows_unrecorded + row.broken_links;
      result.eventsWithoutChanges += row.events_unapplied;
      byTable.changes += row.changes;
      byTable.brokenLinks += row.broken_links;
      byTable.rowsUnrecorded += row.rows_unrecorded;
      byTable.eventsUnapplied += row.events_unapplied;
    }
  }
  return result;
}

/** Audit events not yet sealed into their chain: of `tenantIds`, or across all tenants. */
export async function countUnsealed(ownerQuery: OwnerQuery, tenantIds?: string[]): Promise<number> {
  const { rows } = await ownerQuery<{ unsealed: number }>(
    `select count(*)::int as unsealed from audit_logs l
     where ($1::text[] is null or l.tenant_id = any($1))
       and not exists (select from audit.seals s where s.chain = l.tenant_id and s.event_id = l.id)`,
    [tenantIds ?? null],
  );
  return rows[0]?.unsealed ?? 0;
}
