import type { RequestActor, UserRole } from '@skillhub/db';

/** Who is calling, once credentials have been checked. */
export interface RequestAuth {
  tenantId: string;
  tenantSlug: string;
  actor: RequestActor;
  userId: string | null;
  role: UserRole | null;
  sessionId: string | null;
  apiKeyId: string | null;
  scopes: string[];
}

/** A signed-in user (not an API key): what `requireUser` narrows to. */
export type UserAuth = RequestAuth & { userId: string; role: UserRole; sessionId: string };
