import type { Database } from '@skillhub/db';
import { DbError, type RequestActor, siteSettings, users } from '@skillhub/db';
import type { AppConfig } from '../config/app-config.ts';
import { hashPassword } from '../crypto/passwords.ts';
import { AppError } from '../errors/app-error.ts';
import { isUniqueViolation } from '../errors/database-errors.ts';
import { type DeviceInfo, type StartedSession, startSession } from './start-session.ts';

export interface SignUpInput {
  email: string;
  password: string;
  displayName: string;
  /** Needed when no workspace claims the email's domain: a new workspace is created. */
  workspace?: { name: string; slug: string } | undefined;
  ip: string | null;
  device: DeviceInfo;
  requestId: string;
}

export interface SignUpResult extends StartedSession {
  tenantId: string;
  tenantSlug: string;
  userId: string;
  role: 'owner' | 'member';
}

/**
 * Creates an account. The workspace whose domain matches the email's domain
 * takes the user in as a member; otherwise a new workspace is created from
 * `workspace` with the user as its owner.
 */
export async function signUp(db: Database, config: AppConfig, input: SignUpInput): Promise<SignUpResult> {
  const email = input.email.trim().toLowerCase();
  const domain = email.split('@')[1] ?? '';
  const actor: RequestActor = { actorType: 'system', actorId: 'sign-up', requestId: input.requestId, ip: input.ip };
  let tenant = await db.platform.findTenantByDomain(domain, actor);
  const joining = tenant !== null;
  if (tenant && !tenant.isActive)
    throw new AppError('FORBIDDEN', 'The workspace for your email domain is deactivated.');
  if (!tenant) {
    if (!input.workspace) {
      throw new AppError(
        'VALIDATION_FAILED',
        'No workspace uses your email domain; give a workspace name and slug to create one.',
      );
    }
    tenant = await db.platform.createTenant(input.workspace, actor).catch((error: unknown) => {
      if (error instanceof DbError && error.code === 'TENANT_SLUG_TAKEN') {
        throw new AppError('CONFLICT', `The workspace slug "${input.workspace?.slug}" is taken.`);
      }
      if (error instanceof DbError && error.code === 'INVALID_INPUT')
        throw new AppError('VALIDATION_FAILED', error.message);
      throw error;
    });
  }
  const passwordHash = await hashPassword(input.password);
  const role = joining ? 'member' : 'owner';
  const { id: tenantId, slug } = tenant;
  try {
    return await db.withTenant(tenantId, actor, async (tx) => {
      if (!joining) await tx.insert(siteSettings).values({ displayName: input.workspace?.name ?? 'Skillhub' });
      const [user] = await tx
        .insert(users)
        .values({ email, displayName: input.displayName, passwordHash, role })
        .returning({ id: users.id });
      if (!user) throw new Error('user insert returned nothing');
      const session = await startSession(tx, config, {
        userId: user.id,
        ip: input.ip,
        device: input.device,
        mfaPending: false,
      });
      return { ...session, tenantId, tenantSlug: slug, userId: user.id, role };
    });
  } catch (error) {
    if (isUniqueViolation(error))
      throw new AppError('CONFLICT', 'An account with this email already exists in this workspace.');
    throw error;
  }
}
