export const actorTypes = ['user', 'api_key', 'system'] as const;
export type ActorType = (typeof actorTypes)[number];

/** Who is acting and from where; copied into every audit record of the transaction. */
export interface RequestActor {
  actorType: ActorType;
  /** User id, API key id, or a system component name. */
  actorId: string | null;
  requestId?: string | null;
  ip?: string | null;
}

export const systemActor = (component: string, requestId?: string): RequestActor => ({
  actorType: 'system',
  actorId: component,
  requestId: requestId ?? null,
  ip: null,
});
