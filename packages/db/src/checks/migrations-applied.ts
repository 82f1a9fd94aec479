import type { MigrationStatus } from '../migrate/run-migrations.ts';
import { type CheckResult, checkResult } from './tenant-isolation.ts';

/** Every migration in the journal has been applied; the other checks assume the full schema. */
export function checkMigrationsApplied(status: MigrationStatus[]): CheckResult {
  const pending = status.filter((entry) => !entry.appliedAt).map((entry) => entry.tag);
  const never = pending.length === status.length;
  return checkResult(
    'migrations_applied',
    'schema',
    pending.length === 0
      ? null
      : {
          detail: never
            ? 'the database has never been migrated, so there is nothing else to check'
            : `${pending.length} pending: ${pending.join(', ')}`,
          fix: 'skillhub migrate',
        },
    'error',
    `${status.length} applied`,
  );
}
