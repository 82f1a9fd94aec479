import { type Door, refusedDoorChecks } from './refused-door-checks.ts';
import type { SelftestCheck } from './selftest-check.ts';
import type { AttackSetup } from './tenant-attacks.ts';

/**
 * The doors that retire a month of the ledger (migration 0052) or rewrite
 * it in tenant order (0056) from A's verified context: planning and
 * retiring the oldest month, dropping a month partition (or any other
 * table) outright, dropping a month set aside (0057), listing and
 * ordering months. Each must be refused with
 * 42501: only the server's retention run, under a context of its own, may
 * call them (the drop, only through its door). Likewise a workspace's own
 * retention plan and door (0059): a request's context, whatever its role,
 * never plans or applies a removal (it would pick its own bounds).
 */
export async function retentionDoorChecks(setup: AttackSetup): Promise<SelftestCheck[]> {
  const doors: Door[] = [
    ['audit.ledger_months', 'select * from audit.ledger_months()'],
    ['audit.month_retirement_plan', "select * from audit.month_retirement_plan('selftest', 30, null)"],
    [
      'audit.retire_ledger_month',
      "select * from audit.retire_ledger_month('selftest', array['selftest/audit/x\n\n— x AAAA\n'], 30, null)",
    ],
    ['audit.retire_security_month', "select audit.retire_security_month('selftest', 30, null)"],
    ['audit.drop_ledger_month', "select audit.drop_ledger_month('audit_logs', 'audit_logs_history')"],
    ['audit.reclaim_retired_month', 'select audit.reclaim_retired_month()'],
    ['audit.retention_plan', "select * from audit.retention_plan('selftest', 1, null)"],
    ['audit.apply_retention', "select audit.apply_retention('selftest\nretention 0 1\n\n— x AAAA\n', 1, null)"],
    ['audit.ledger_month_order', 'select * from audit.ledger_month_order()'],
    ['audit.order_ledger_month', "select * from audit.order_ledger_month('audit_logs_history')"],
  ];
  return refusedDoorChecks(setup, 'retention doors', doors);
}
