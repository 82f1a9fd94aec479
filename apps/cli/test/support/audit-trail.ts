import type { TestDatabase } from '@skillhub/db/testing';

export interface TrailRow {
  action: string;
  actor_type: string;
  actor_id: string | null;
  resource_id: string | null;
  metadata: Record<string, unknown>;
  sealed: boolean;
}

/** A tenant's application events with these actions, oldest first, read as the owner; with whether each is sealed. */
export async function trailOf(testDb: TestDatabase, tenantId: string, actions: string[]): Promise<TrailRow[]> {
  const { rows } = await testDb.ownerQuery<TrailRow & Record<string, unknown>>(
    `select l.action, l.actor_type, l.actor_id, l.resource_id, l.metadata,
            exists (select from audit.seals s where s.event_id = l.id) as sealed
     from audit_logs l where l.tenant_id = $1 and l.action = any($2) order by l.created_at, l.id`,
    [tenantId, actions],
  );
  return rows;
}
