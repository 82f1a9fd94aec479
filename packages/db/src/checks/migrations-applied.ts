import { migrationStatus } from '../migrate/run-migrations.ts';
import { type CheckResult, checkResult } from './tenant-isolation.ts';

/** Every migration in the journal has been applied; the other checks assume the full schema. */
export async function checkMigrationsApplied(ownerUrl: string): Promise<CheckResult[]> {
  const status = await migrationStatus(ownerUrl);
  const pending = status.filter((entry) => !entry.appliedAt).map((entry) => entry.tag);
  return [
    checkResult(
      'migrations_applied',
      'schema',
      pending.length === 0
        ? null
        : { detail: `${pending.length} pending: ${pending.join(', ')}`, fix: 'skillhub migrate' },
      'error',
      `${status.length} applied`,
    ),
  ];
}
