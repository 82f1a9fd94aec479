import { migrationStatus } from '../migrate/run-migrations.ts';
import { openClient } from '../open-client.ts';
import { runnerFor, type SqlRunner } from '../sql-runner.ts';
import { checkAuditChain } from './audit-chain.ts';
import { checkChangeCapture } from './change-capture.ts';
import { checkCitusDistributedBinding } from './citus-distributed-binding.ts';
import { checkCitusLocalCopies } from './citus-local-copies.ts';
import { checkCitusReadiness } from './citus-readiness.ts';
import { checkCitusRestrictivePolicies } from './citus-restrictive-policies.ts';
import { checkCitusSqlFunctions } from './citus-sql-functions.ts';
import { checkCitusSystemLogin } from './citus-system-login.ts';
import { checkDeploymentSink } from './deployment-sink.ts';
import { checkLedgerPartitions } from './ledger-partitions.ts';
import { checkLedgerProtection } from './ledger-protection.ts';
import { checkMigrationsApplied } from './migrations-applied.ts';
import { checkPermissivePolicies } from './permissive-policies.ts';
import { checkPersonalClassification } from './personal-classification.ts';
import { checkRuntimeRoleReach, roleExists } from './runtime-role-reach.ts';
import { checkRefusedEvents, checkSealingStatus } from './sealing-status.ts';
import { checkSecurityControlAlarm } from './security-control-alarm.ts';
import { checkSecurityDefiner } from './security-definer.ts';
import { checkServerVersion } from './server-version.ts';
import { type CheckResult, checkResult, checkRuntimeRole, checkTenantTables } from './tenant-isolation.ts';
import { checkViews } from './views.ts';

export interface DoctorOptions {
  /** The owner (migration) role's connection string: the checks read the catalog and every chain. */
  ownerUrl: string;
  /** The role the server connects as, checked for ways past row level security. */
  runtimeRole: string;
  /** Progress of the audit chain verification, the one check whose time grows with the data. */
  onAuditProgress?: (checked: number, total: number) => void;
}

type Check = [name: string, run: () => Promise<CheckResult[]>];

/**
 * Runs every check on a live database and returns all findings, passed and
 * failed, in a stable order. A check that cannot run (say, on a database
 * that was never migrated) becomes a failed finding rather than an error;
 * only a failed connection throws (DATABASE_UNREACHABLE).
 *
 * @example
 * const results = await runDoctor({ ownerUrl, runtimeRole: 'skillhub_runtime' });
 * const failed = results.some((r) => !r.ok && r.severity === 'error');
 */
export async function runDoctor(options: DoctorOptions): Promise<CheckResult[]> {
  const { ownerUrl, runtimeRole } = options;
  const client = await openClient(ownerUrl);
  try {
    // systemFunctions are spelled as regprocedure prints them with every schema named.
    await client.query('set search_path = pg_catalog');
    const run = runnerFor(client);
    const migrations = await migrationStatus(ownerUrl);
    const results = [...(await guarded(['server_version', () => checkServerVersion(run)]))];
    results.push(checkMigrationsApplied(migrations));
    if (!migrations.some((m) => m.appliedAt)) return results;
    const checks: Check[] = [
      ['runtime_role_safe', () => checkRuntimeRoleFully(run, runtimeRole)],
      ['tenant_tables', () => checkTenantTables(run)],
      ['policy_no_extra_permissive', () => checkPermissivePolicies(run)],
      ['view_security_invoker', () => checkViews(run)],
      ['security_definer', () => checkSecurityDefiner(run)],
      ['ledger_protected', () => checkLedgerProtection(run)],
      ['ledger_partitions_ahead', () => checkLedgerPartitions(run)],
      ['change_capture', () => checkChangeCapture(run)],
      ['personal_fields_classified', () => checkPersonalClassification(run)],
      ['security_control_alarm', () => checkSecurityControlAlarm(run)],
      ['citus_keys', () => checkCitusReadiness(run)],
      ['citus_distributed_binding', () => checkCitusDistributedBinding(run, runtimeRole)],
      ['citus_no_restrictive_policies', () => checkCitusRestrictivePolicies(run)],
      ['citus_system_login', () => checkCitusSystemLogin(run)],
      ['citus_sql_functions', () => checkCitusSqlFunctions(run)],
      ['citus_local_copies_empty', () => checkCitusLocalCopies(run)],
      ['sealing_not_held_back', () => checkSealingStatus(run)],
      ['sealing_refused', () => checkRefusedEvents(run)],
      ['deployment_sink_not_paused', () => checkDeploymentSink(run)],
      ['audit_chain', () => checkAuditChain(ownerUrl, options.onAuditProgress)],
    ];
    for (const check of checks) results.push(...(await guarded(check)));
    return results;
  } finally {
    await client.end();
  }
}

async function checkRuntimeRoleFully(run: SqlRunner, role: string): Promise<CheckResult[]> {
  if (!(await roleExists(run, role))) {
    return [
      checkResult('runtime_role_exists', role, {
        detail: 'no such role, so the runtime role checks cannot run',
        fix: 'skillhub migrate (creates it), or set APP_DATABASE_URL to the role the server uses',
      }),
    ];
  }
  return [...(await checkRuntimeRole(run, role)), ...(await checkRuntimeRoleReach(run, role))];
}

/** Runs one check; one that throws becomes a failed finding, so the others still report. */
async function guarded([name, run]: Check): Promise<CheckResult[]> {
  try {
    return await run();
  } catch (error) {
    return [
      checkResult(name, 'database', {
        detail: `the check could not run: ${error instanceof Error ? error.message : String(error)}`,
        fix: 'is the schema migrated (skillhub migrate) and is DATABASE_URL the owner role?',
      }),
    ];
  }
}
