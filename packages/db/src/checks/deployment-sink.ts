import type { SqlRunner } from '../sql-runner.ts';
import { type CheckResult, checkResult } from './tenant-isolation.ts';

/**
 * Warns when the operator's deployment sink is paused (migration 0040): a
 * chain failed for longer than the pause threshold, and no chain is
 * streamed out until the operator resumes it. A warning: nothing is lost,
 * delivery picks up where each chain stood.
 */
export async function checkDeploymentSink(run: SqlRunner): Promise<CheckResult[]> {
  const { rows } = await run<{ paused_at: string | null; paused_reason: string | null }>(
    `select paused_at::text, paused_reason from platform.deployment_sink`,
  );
  const sink = rows[0];
  return [
    checkResult(
      'deployment_sink_not_paused',
      'platform.deployment_sink',
      sink?.paused_at
        ? {
            detail: `paused since ${sink.paused_at}: ${sink.paused_reason ?? ''}`,
            fix: 'fix the receiver, then resume: skillhub sink deployment replay',
          }
        : null,
      'warning',
      sink ? 'delivering' : 'no deployment sink is set',
    ),
  ];
}
