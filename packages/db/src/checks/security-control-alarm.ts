import type { SqlRunner } from '../sql-runner.ts';
import { type CheckProblem, type CheckResult, type CheckSeverity, checkResult } from './tenant-isolation.ts';

/** The event trigger migration 0018 creates (when a superuser migrates). */
export const alarmTriggerName = 'skillhub_security_control_alarm';
const alarmFunction = 'audit.security_control_alarm()';
const install = 'as a superuser, in this database: select audit.install_security_control_alarm();';

/** What no event trigger can see; the doctor says so whenever it reports on the alarm. */
export const alarmBlindSpots =
  'PostgreSQL fires no event trigger for `alter event trigger` itself nor, from PostgreSQL 17, after a ' +
  "superuser's `set event_triggers = off`; and rows changed under session_replication_role = replica " +
  'skip change capture with no DDL at all. A control changed out of its sight shows up as drift here; ' +
  'rows changed out of capture show up nowhere but in the data: the ledger cannot record what it never saw.';

interface AlarmFacts extends Record<string, unknown> {
  enabled: string | null;
  fn: string | null;
  event_triggers: string | null;
}

interface Drift extends Record<string, unknown> {
  relation: string;
  control: string;
  change: string;
}

/**
 * The alarm that records tampering with the controls guarding tenant data
 * (migration 0018): its event trigger exists, calls the alarm, and fires in
 * every session (ENABLE ALWAYS; replica mode escapes a plain ENABLE), the
 * server has not turned event triggers off; and no control changed since
 * the alarm (or, without one, the last migration) last looked: a change
 * made while nothing watched.
 */
export async function checkSecurityControlAlarm(run: SqlRunner): Promise<CheckResult[]> {
  const { rows } = await run<AlarmFacts>(
    `select e.evtenabled as enabled, e.evtfoid::regprocedure::text as fn,
            current_setting('event_triggers', true) as event_triggers
     from (select) one left join pg_event_trigger e on e.evtname = $1`,
    [alarmTriggerName],
  );
  const facts = rows[0] ?? { enabled: null, fn: null, event_triggers: null };
  const target = `event trigger ${alarmTriggerName}`;
  const { problem, severity } = alarmProblem(facts);
  const results: CheckResult[] = [
    {
      ...checkResult('security_control_alarm', target, problem, severity, 'installed and enabled always'),
      note: alarmBlindSpots,
    },
  ];
  const { rows: tracked } = await run<{ ok: boolean }>(
    `select to_regprocedure('audit.security_control_changes()') is not null as ok`,
  );
  if (!tracked[0]?.ok) return results;
  const drift = (
    await run<Drift>(
      `select relation, control, change from audit.security_control_changes() where not adopting
       order by relation, control`,
    )
  ).rows;
  const listed = drift
    .slice(0, 5)
    .map((d) => `${d.relation} ${d.control} ${d.change}`)
    .join('; ');
  results.push(
    checkResult(
      'security_control_drift',
      'audit.security_controls',
      drift.length === 0
        ? null
        : {
            detail:
              `${drift.length} change(s) to the controls guarding tenant data were made while the alarm was not ` +
              `watching: ${listed}${drift.length > 5 ? '; …' : ''}`,
            fix:
              'find out who made them; put the controls right (see the other findings), then record what changed: ' +
              "select audit.check_security_controls('doctor');",
          },
    ),
  );
  return results;
}

function alarmProblem(facts: AlarmFacts): { problem: CheckProblem; severity: CheckSeverity } {
  const error = (detail: string, fix: string) => ({ problem: { detail, fix }, severity: 'error' as const });
  const enableAlways = `alter event trigger ${alarmTriggerName} enable always;`;
  if (!facts.enabled) {
    return error('is not installed: disabling change capture, RLS or a policy goes unrecorded', install);
  }
  if (facts.fn !== alarmFunction) return error(`calls ${facts.fn}, not ${alarmFunction}`, install);
  if (facts.event_triggers === 'off') {
    return error(
      'the server runs with event_triggers = off, so the alarm never fires',
      'remove event_triggers = off from the server, database or role settings',
    );
  }
  if (facts.enabled === 'D') return error('is disabled', enableAlways);
  if (facts.enabled === 'R') return error('fires only in replica sessions', enableAlways);
  if (facts.enabled === 'O') {
    return {
      problem: { detail: 'does not fire in sessions with session_replication_role = replica', fix: enableAlways },
      severity: 'warning',
    };
  }
  return { problem: null, severity: 'error' };
}
