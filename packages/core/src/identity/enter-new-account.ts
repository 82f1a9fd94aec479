import type { Database, NewAccount } from '@skillhub/db';
import type { AppConfig } from '../config/app-config.ts';
import { type DeviceInfo, type StartedSession, startSession } from './start-session.ts';

export interface NewAccountSession extends StartedSession {
  tenantId: string;
  tenantSlug: string;
  userId: string;
  role: 'owner' | 'admin' | 'member';
}

/**
 * The first session of an account a mailed link just created. The account
 * is already committed (with its workspace, in one transaction); should this
 * step fail, the person signs in with the password they chose.
 */
export async function enterNewAccount(
  db: Database,
  config: AppConfig,
  account: NewAccount,
  origin: { ip: string | null; device: DeviceInfo; requestId: string },
): Promise<NewAccountSession> {
  const { tenantId, tenantSlug, userId, role } = account;
  const actor = { actorType: 'user', actorId: userId, requestId: origin.requestId, ip: origin.ip } as const;
  const session = await db.withTenant(tenantId, actor, (tx) =>
    startSession(tx, config, { userId, ip: origin.ip, device: origin.device, mfaPending: false }),
  );
  return { ...session, tenantId, tenantSlug, userId, role };
}
