import {
  and,
  desc,
  eq,
  type SecurityEventType,
  type SecuritySeverity,
  sameTenant,
  securityEvents,
  sql,
  type TenantTx,
} from '@skillhub/db';
import { decodeCursor, encodeCursor, isoTimestamp } from '../pagination/cursor.ts';

export interface ListSecurityEventsInput {
  type?: SecurityEventType | undefined;
  severity?: SecuritySeverity | undefined;
  userId?: string | undefined;
  /** ISO instants, inclusive. */
  since?: string | undefined;
  until?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

/** Security events of this workspace, newest first, in keyset pages. */
export async function listSecurityEvents(tx: TenantTx, input: ListSecurityEventsInput) {
  const after = input.cursor ? decodeCursor(input.cursor) : null;
  const at = securityEvents.createdAt;
  const rows = await tx
    .select({
      id: securityEvents.id,
      eventType: securityEvents.eventType,
      severity: securityEvents.severity,
      userId: securityEvents.userId,
      // Erasure (migration 0047) redacts the row in place and marks it.
      email: sql<string | null>`case when ${securityEvents.details} ->> 'erased' = 'true' then 'erased'
        else ${securityEvents.email} end`,
      ipAddress: sql<string | null>`case when ${securityEvents.details} ->> 'erased' = 'true' then 'erased'
        else host(${securityEvents.ipAddress}) end`,
      sessionId: securityEvents.sessionId,
      details: securityEvents.details,
      createdAt: isoTimestamp(at),
    })
    .from(securityEvents)
    .where(
      and(
        sameTenant(securityEvents.tenantId),
        input.type ? eq(securityEvents.eventType, input.type) : undefined,
        input.severity ? eq(securityEvents.severity, input.severity) : undefined,
        input.userId ? eq(securityEvents.userId, input.userId) : undefined,
        input.since ? sql`${at} >= ${input.since}::timestamptz` : undefined,
        input.until ? sql`${at} <= ${input.until}::timestamptz` : undefined,
        after ? sql`(${at}, ${securityEvents.id}) < (${after.at}::timestamptz, ${after.id}::uuid)` : undefined,
      ),
    )
    .orderBy(desc(at), desc(securityEvents.id))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  return {
    events: page,
    nextCursor: rows.length > input.limit && last ? encodeCursor(last.createdAt, last.id) : null,
  };
}
