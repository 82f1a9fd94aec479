import { type Database, logRepeatedSecurityEvent } from '@skillhub/db';
import type { RequestAuth } from '../auth/request-auth.ts';
import type { Denial } from '../errors/app-error.ts';

/** Where a refused request went (its path), kept out of what makes two denials the same. */
export interface DeniedRequest {
  path?: string;
}

/**
 * Records a refused action as permission_denied in the caller's workspace,
 * always in a transaction of its own. Entry points call it once the
 * request's own transaction has ended (the API's error handler does), so a
 * rolled-back request never loses the record and never holds two pooled
 * connections at once, which under a storm of denials would starve the pool.
 *
 * Not a flood lever: the same denial (same caller, IP and refusal) repeated
 * within five minutes becomes an event only the first three times and at
 * the 10th, 100th, ...; the others are counted (security_event_tallies).
 */
export async function recordDenial(db: Database, auth: RequestAuth, denial: Denial & DeniedRequest): Promise<void> {
  const refusal = Object.fromEntries(Object.entries(denial).filter(([key]) => key !== 'path'));
  await db.withTenantIndependently(auth.tenantId, auth.actor, () =>
    logRepeatedSecurityEvent({
      type: 'permission_denied',
      severity: 'medium',
      subject: `${auth.actor.actorType}:${auth.actor.actorId ?? ''}`,
      target: stableJson(refusal),
      sessionId: auth.sessionId,
      details: denial,
    }),
  );
}

/** JSON with keys in order, so two equal refusals give the same text. */
const stableJson = (value: Record<string, unknown>): string =>
  JSON.stringify(Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b))));
