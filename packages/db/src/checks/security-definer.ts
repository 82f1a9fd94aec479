import { ledgerDistributed } from '../audit/ledger-distributed.ts';
import type { SqlRunner } from '../sql-runner.ts';
import { type CheckResult, checkResult } from './tenant-isolation.ts';

/**
 * The named doors across tenants: the only SECURITY DEFINER functions the
 * migrations create, as `regprocedure` prints them under `search_path =
 * pg_catalog` (every other schema named). A migration that adds one adds it
 * here, on purpose.
 */
export const systemFunctions: readonly string[] = [
  'audit.apply_retention(text,integer,integer)',
  'audit.assert_may_hold()',
  'audit.assert_subject_not_on_hold(text,text)',
  'audit.check_security_controls(text)',
  'audit.copy_ledger_rows_in_tenant_order(regclass,timestamp with time zone,timestamp with time zone)',
  'audit.drop_ledger_month(text,text)',
  'audit.encrypt_personal_fields()',
  'audit.ensure_ledger_partitions(timestamp with time zone,integer)',
  'audit.erase_subject(text,text,boolean)',
  'audit.erase_subject_unheld(text,text,boolean)',
  'audit.extend_trees(text[],bigint[],bigint[])',
  'audit.guard_ledger_row()',
  'audit.guard_retention_policy()',
  'audit.ledger_month_order()',
  'audit.ledger_months()',
  'audit.ledger_rows_digest(regclass,timestamp with time zone,timestamp with time zone)',
  'audit.month_retirement_plan(text,integer,integer)',
  'audit.order_ledger_month(text)',
  'audit.place_legal_hold(text,text)',
  'audit.reclaim_retired_month()',
  'audit.record_checkpoint(text,bigint,text,text)',
  'audit.record_event(text,text,text,jsonb)',
  'audit.record_tenant_event(text,text,text,text,jsonb)',
  'audit.record_ledger_month_ordered(oid,text,timestamp with time zone,timestamp with time zone,bigint,text)',
  'audit.release_legal_hold(uuid,text)',
  'audit.retention_plan(text,integer,integer)',
  'audit.retire_ledger_month(text,text[],integer,integer)',
  'audit.retire_security_month(text,integer,integer)',
  'audit.reveal_personal(jsonb)',
  'audit.seal_pending(integer)',
  'audit.sealing_status()',
  'audit.security_control_alarm()',
  'audit.security_month_plan(text,integer,integer)',
  'audit.set_system_retention(platform.actor,integer,integer,integer)',
  'audit.subject_key(text,text)',
  'audit.subject_of(text,text)',
  'audit.subject_on_hold(text,text)',
  'audit.tenants_with_retention()',
  'audit.trees_to_checkpoint()',
  'audit.unsealed_before(xid8)',
  'audit.unsealed_ledger_events(timestamp with time zone,timestamp with time zone)',
  'platform.accept_invitation(text,text,text,inet,text)',
  'platform.assert_sink_delivery()',
  'platform.audit(platform.actor,text,text,text,jsonb)',
  'platform.complete_sign_up(text,text,text,inet,text)',
  'platform.create_tenant(platform.actor,text,text,text,text)',
  'platform.current_actor_role()',
  'platform.current_tenant_id()',
  'platform.find_event_tenant(platform.actor,uuid)',
  'platform.find_tenant(platform.actor,text,text)',
  'platform.lease_audit_sinks(integer,integer)',
  'platform.lease_audit_sinks_unguarded(integer,integer)',
  'platform.lease_deployment_chains(integer,integer)',
  'platform.lease_deployment_chains_unguarded(integer,integer)',
  'platform.list_tenants(platform.actor)',
  'platform.log_security_event(public.security_event_type,public.security_severity,uuid,text,inet,uuid,jsonb)',
  'platform.log_tenant_security_event(text,public.security_event_type,public.security_severity,uuid,text,inet,uuid,jsonb)',
  'platform.log_system_security_event(public.security_event_type,public.security_severity,text,inet,jsonb)',
  'platform.owner_of(text,uuid)',
  'platform.private_skill_reader()',
  'platform.prune_sink_history(integer,integer)',
  'platform.prune_sink_history_unguarded(integer,integer)',
  'platform.public_skill(text,text)',
  'platform.public_skills(text,text,integer)',
  'platform.read_deployment_batch(text,uuid,integer)',
  'platform.read_deployment_batch_unguarded(text,uuid,integer)',
  'platform.record_api_key_rejection(text,text,inet,text)',
  'platform.record_credential_use(text[],timestamp with time zone[],text[],timestamp with time zone[])',
  'platform.record_foreign_probe(text,uuid,jsonb)',
  'platform.record_host_mismatch(text,jsonb)',
  'platform.record_session_rejection(text,inet,text)',
  'platform.renew_api_keys(text[])',
  'platform.renew_sessions(text[],timestamp with time zone[])',
  'platform.request_sign_up(text,text,text,text,text,text,inet,text,integer,interval,interval)',
  'platform.resolve_api_key(text)',
  'platform.resolve_session(text,timestamp with time zone)',
  'platform.set_tenant_active(platform.actor,text,boolean)',
  'platform.settle_deployment_attempt(text,uuid,text,bigint,bigint,integer,integer,integer,text,double precision,double precision)',
  'platform.settle_deployment_attempt_unguarded(text,uuid,text,bigint,bigint,integer,integer,integer,text,double precision,double precision)',
  'platform.settle_deployment_batch(text,uuid,bigint,text,double precision,double precision)',
  'platform.settle_deployment_batch_unguarded(text,uuid,bigint,text,double precision,double precision)',
  'platform.should_block_login(text,inet,text,text)',
  'platform.tenants_with_stale_mfa_secrets(platform.actor,text)',
  'platform.verified_context()',
];

/**
 * Named doors the Citus conversion creates (packages/db/citus/), on a
 * cluster whose ledger it distributed: allowed wherever they are, expected
 * only there.
 */
export const conversionFunctions: readonly string[] = [
  'audit.chain_unsealed_events(text)',
  'audit.seal_shard(text,integer)',
  'audit.seal_shard_at_conversion(text)',
  'audit.seal_shard_through(text,integer,xid8,bigint,bigint)',
  'audit.shard_trees_to_checkpoint(text)',
  'audit.shard_unsealed_below(text,xid8)',
  'audit.shard_xmax(text)',
];

/**
 * Functions that must run as the ledger's owner, whatever that role is:
 * only a table's owner may attach a partition to it (migration 0044),
 * detach one (0052, 0056), or drop a month set aside (0057).
 */
export const ledgerOwnerFunctions: readonly string[] = [
  'audit.drop_ledger_month(text,text)',
  'audit.ensure_ledger_partitions(timestamp with time zone,integer)',
  'audit.reclaim_retired_month()',
  'audit.order_ledger_month(text)',
];

// A capture function audit.enable_tracking generated (listed in
// audit.tracked_tables) is SECURITY DEFINER by design: change records are
// written by it alone.
const securityDefinerSql = `
  select p.oid::regprocedure::text as name, pg_get_userbyid(p.proowner) as owner, r.rolsuper as owner_superuser,
    (select c from unnest(p.proconfig) c where c like 'search_path=%') as search_path,
    p.pronamespace = 'audit'::regnamespace and p.pronargs = 0
      and p.proname in (select function_name from audit.tracked_tables) as generated_capture,
    p.proowner = (select c.relowner from pg_class c where c.oid = to_regclass('public.audit_logs')) as owns_ledger
  from pg_proc p
  join pg_roles r on r.oid = p.proowner
  where p.prosecdef and p.pronamespace not in ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
  order by 1`;

interface DefinerFacts extends Record<string, unknown> {
  name: string;
  owner: string;
  owner_superuser: boolean;
  search_path: string | null;
  generated_capture: boolean;
  owns_ledger: boolean;
}

/**
 * A SECURITY DEFINER function runs with its owner's rights, here a role
 * that sees every tenant. Each must be one of {@link systemFunctions} (or
 * {@link conversionFunctions}), pin its search_path (or a caller's objects
 * could stand in for the ones it names) and belong to a role that is not a
 * superuser, except those that must run as the ledger's owner
 * ({@link ledgerOwnerFunctions}), which must belong to exactly that role.
 */
export async function checkSecurityDefiner(run: SqlRunner): Promise<CheckResult[]> {
  const { rows } = await run<DefinerFacts>(securityDefinerSql);
  const found = rows.map((fn) => {
    const problems: { detail: string; fix: string }[] = [];
    if (!systemFunctions.includes(fn.name) && !conversionFunctions.includes(fn.name) && !fn.generated_capture) {
      problems.push({
        detail: 'is not one of the named system functions',
        fix: `alter function ${fn.name} security invoker; (or drop it)`,
      });
    }
    if (!fn.search_path || fn.search_path.includes('$user')) {
      problems.push({
        detail: fn.search_path
          ? `has a search_path that follows the caller (${fn.search_path})`
          : 'has no fixed search_path',
        fix: `alter function ${fn.name} set search_path = '';`,
      });
    }
    const ledgerOwner = ledgerOwnerFunctions.includes(fn.name);
    if (ledgerOwner && !fn.owns_ledger) {
      problems.push({
        detail: `belongs to ${fn.owner}, not to the ledger's owner, so it cannot attach partitions`,
        fix: `alter function ${fn.name} owner to <the owner of public.audit_logs>;`,
      });
    }
    if (fn.owner_superuser && !ledgerOwner) {
      problems.push({
        detail: `belongs to superuser ${fn.owner}, so it runs with every right`,
        fix: `alter function ${fn.name} owner to skillhub_system;`,
      });
    }
    return checkResult(
      'security_definer',
      fn.name,
      problems.length === 0
        ? null
        : { detail: problems.map((p) => p.detail).join('; '), fix: problems.map((p) => p.fix).join(' ') },
      'error',
      `allowed, search_path pinned, owned by ${fn.owner}`,
    );
  });
  const expected = (await ledgerDistributed(run, run)) ? [...systemFunctions, ...conversionFunctions] : systemFunctions;
  const missing = expected.filter((name) => !rows.some((r) => r.name === name));
  if (missing.length === 0) return found;
  return [
    ...found,
    checkResult(
      'security_definer',
      `${missing.length} named system functions`,
      {
        detail: `missing, or no longer SECURITY DEFINER: ${missing.join(', ')}`,
        fix: 'skillhub migrate; if they are still missing, compare with a freshly migrated database',
      },
      'warning',
    ),
  ];
}
