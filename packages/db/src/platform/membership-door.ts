import { sql } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import type * as schema from '../schema/index.ts';
import type { UserRole } from '../schema/users.ts';

/** Who asked, for the records the membership functions write (they run before any tenant context). */
export interface MembershipOrigin {
  ip: string | null;
  requestId: string;
}

export interface SignUpRequestInput extends MembershipOrigin {
  email: string;
  passwordHash: string;
  displayName: string;
  workspace?: { name: string; slug: string } | undefined;
  tokenHash: string;
  /** The per-IP throttle: at most `maxPerIp` requests within `windowMinutes`. */
  maxPerIp: number;
  windowMinutes: number;
  validForHours: number;
}

export type SignUpRequestOutcome =
  | { outcome: 'throttled'; retryAfterSeconds: number }
  | { outcome: 'slug_taken' }
  | { outcome: 'existing'; workspaces: string[] }
  | { outcome: 'pending'; workspaces: string[] };

/** The account a mailed token created (a new workspace's owner, a member who joined, an invited user). */
export interface NewAccount {
  outcome: 'created' | 'joined' | 'accepted';
  tenantId: string;
  tenantSlug: string;
  userId: string;
  role: UserRole;
}

/** Why a mailed token created nothing; nothing was written. */
export type MembershipRefusal =
  | { outcome: 'already_member'; tenantSlug: string }
  | { outcome: 'unknown' | 'used' | 'expired' | 'revoked' | 'inactive' | 'needs_workspace' };

export type MembershipOutcome = NewAccount | MembershipRefusal;

export const isNewAccount = (outcome: MembershipOutcome): outcome is NewAccount => 'userId' in outcome;

type OutcomeRow = {
  outcome: string;
  tenant_id: string | null;
  tenant_slug: string | null;
  user_id: string | null;
  role: UserRole | null;
};

const toOutcome = (row: OutcomeRow | undefined): MembershipOutcome => {
  if (!row) throw new Error('membership function returned no row');
  const { outcome, tenant_id, tenant_slug, user_id, role } = row;
  if ((outcome === 'created' || outcome === 'joined' || outcome === 'accepted') && tenant_id && tenant_slug) {
    return { outcome, tenantId: tenant_id, tenantSlug: tenant_slug, userId: user_id ?? '', role: role ?? 'member' };
  }
  if (outcome === 'already_member') return { outcome, tenantSlug: tenant_slug ?? '' };
  return { outcome: outcome as 'unknown' };
};

/**
 * The doors by which an account comes to exist: a sign-up request, its
 * verification, and an invitation's acceptance. Each is one SECURITY
 * DEFINER function (platform.request_sign_up, complete_sign_up,
 * accept_invitation) and so one transaction; the pending requests and the
 * sign-up throttle are reachable no other way.
 */
export class MembershipDoor {
  readonly #db: NodePgDatabase<typeof schema>;

  constructor(db: NodePgDatabase<typeof schema>) {
    this.#db = db;
  }

  /** Stores a sign-up until its link comes back, or says why not (see platform.request_sign_up). */
  async requestSignUp(input: SignUpRequestInput): Promise<SignUpRequestOutcome> {
    const result = await this.#db.execute<{
      outcome: string;
      retry_after_seconds: number;
      workspaces: string[] | null;
    }>(
      sql`select outcome, retry_after_seconds, workspaces from platform.request_sign_up(
        ${input.email}, ${input.passwordHash}, ${input.displayName}, ${input.workspace?.name ?? null},
        ${input.workspace?.slug ?? null}, ${input.tokenHash}, ${input.ip}::inet, ${input.requestId},
        ${input.maxPerIp}::integer, make_interval(mins => ${input.windowMinutes}),
        make_interval(hours => ${input.validForHours}))`,
    );
    const row = result.rows[0];
    if (!row) throw new Error('platform.request_sign_up returned no row');
    switch (row.outcome) {
      case 'throttled':
        return { outcome: 'throttled', retryAfterSeconds: row.retry_after_seconds };
      case 'slug_taken':
        return { outcome: 'slug_taken' };
      case 'existing':
        return { outcome: 'existing', workspaces: row.workspaces ?? [] };
      default:
        return { outcome: 'pending', workspaces: row.workspaces ?? [] };
    }
  }

  /**
   * Uses a sign-up token: creates the workspace (from `workspace`, else the
   * one named at sign-up) and its owner, or joins the workspace that lets
   * verified addresses at the email's domain in, in one transaction.
   */
  async completeSignUp(
    input: MembershipOrigin & { tokenHash: string; workspace?: { name: string; slug: string } | undefined },
  ): Promise<MembershipOutcome> {
    const result = await this.#db.execute<OutcomeRow>(
      sql`select * from platform.complete_sign_up(${input.tokenHash}, ${input.workspace?.name ?? null},
        ${input.workspace?.slug ?? null}, ${input.ip}::inet, ${input.requestId})`,
    );
    return toOutcome(result.rows[0]);
  }

  /** Uses an invitation token: creates the invited account with the inviter's role, in one transaction. */
  async acceptInvitation(
    input: MembershipOrigin & { tokenHash: string; displayName: string; passwordHash: string },
  ): Promise<MembershipOutcome> {
    const result = await this.#db.execute<OutcomeRow>(
      sql`select * from platform.accept_invitation(${input.tokenHash}, ${input.displayName}, ${input.passwordHash},
        ${input.ip}::inet, ${input.requestId})`,
    );
    return toOutcome(result.rows[0]);
  }
}
