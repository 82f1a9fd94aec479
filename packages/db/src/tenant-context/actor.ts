import type { UserRole } from '../schema/users.ts';

export const actorTypes = ['user', 'api_key', 'system'] as const;
export type ActorType = (typeof actorTypes)[number];

/**
 * Who is acting and from where. Signed into the transaction's tenant context
 * by `withTenant`, and copied from there into every audit record of it.
 */
export interface RequestActor {
  actorType: ActorType;
  /** User id, API key id, or a system component name. */
  actorId: string | null;
  /** The user's role in the workspace; null (or absent) for API keys and system actors. */
  role?: UserRole | null;
  /**
   * The user an API key acts for (its creator): signed into the context, so
   * the database shows the key its creator's private skills and no one
   * else's. A user acts for itself; a system actor for no one.
   */
  onBehalfOf?: string | null;
  requestId?: string | null;
  ip?: string | null;
}

export const systemActor = (component: string, requestId?: string): RequestActor => ({
  actorType: 'system',
  actorId: component,
  role: null,
  requestId: requestId ?? null,
  ip: null,
});
