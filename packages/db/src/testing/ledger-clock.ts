/**
 * SQL that sets the ledger's clock for a test or a benchmark that needs
 * months in the past: the `_history` partitions (the rows written before
 * any month partition existed) are moved to end at `at`, their rows dated
 * ten days before it, and month partitions are made from `at` for
 * `monthsAhead` months. One transaction, as the owner; the security control
 * alarm is told the DDL is this transaction's own, as the product's
 * partition maker does. `at` is an ISO timestamp at the start of a UTC month.
 */
export function ledgerHistoryBeforeSql(at: string, monthsAhead: number): string {
  if (Number.isNaN(Date.parse(at)) || !Number.isInteger(monthsAhead)) throw new Error(`not a month: ${at}`);
  return `begin;
    update audit.security_controls set adopted_in = pg_current_xact_id()
     where relid in ('public.audit_logs'::regclass, 'public.security_events'::regclass,
                     'public.audit_logs_history'::regclass, 'public.security_events_history'::regclass);
    alter table audit_logs detach partition audit_logs_history;
    alter table security_events detach partition security_events_history;
    set local session_replication_role = replica;
    update audit_logs_history set created_at = '${at}'::timestamptz - interval '10 days';
    update security_events_history set created_at = '${at}'::timestamptz - interval '10 days';
    alter table audit_logs attach partition audit_logs_history for values from (minvalue) to ('${at}');
    alter table security_events attach partition security_events_history for values from (minvalue) to ('${at}');
    select count(*) from audit.ensure_ledger_partitions('${at}', ${monthsAhead});
    commit;`;
}
