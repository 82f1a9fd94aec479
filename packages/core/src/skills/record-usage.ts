import { type TenantTx, usageEvents } from '@skillhub/db';
import type { RequestAuth } from '../auth/request-auth.ts';
import { findSkill } from './find-skill.ts';

/**
 * Records one use of a skill by the calling user or API key (an agent
 * fetching it, say), now, or at `occurredAt` for a use that happened
 * earlier (loading past usage).
 */
export async function recordUsage(tx: TenantTx, auth: RequestAuth, ref: string, source: string, occurredAt?: Date) {
  const skillId = (await findSkill(tx, ref)).id;
  const [event] = await tx
    .insert(usageEvents)
    .values({ skillId, userId: auth.userId, apiKeyId: auth.apiKeyId, source, ...(occurredAt && { occurredAt }) })
    .returning({ id: usageEvents.id, occurredAt: usageEvents.occurredAt });
  return event;
}
