import type { HttpClient, HttpResponse } from './http-client.ts';
import type { SignedUpUser, TestServer } from './test-server.ts';

/** What a caller can observe of a refusal: everything but the request id. */
export const errorOf = (response: Pick<HttpResponse<unknown>, 'status' | 'body'>) => {
  const error = (response.body as { error?: { code?: string; message?: string } }).error;
  return { status: response.status, code: error?.code, message: error?.message };
};

/** POST /auth/sign-in naming the workspace in the body (the bare host). */
export const signIn = (client: HttpClient, email: string, password: string, workspace: string) =>
  client.post<{ userId: string; tenantId: string; mfaRequired: boolean }>('/auth/sign-in', {
    email,
    password,
    workspace,
  });

export interface SecurityEventRow {
  id: string;
  tenant_id: string | null;
  event_type: string;
  severity: string;
  user_id: string | null;
  email: string | null;
  ip_address: string | null;
  session_id: string | null;
  details: Record<string, unknown>;
}

/** A tenant's security events (oldest first), read as the owner so nothing in the API can hide one. */
export async function securityEventsOf(t: TestServer, tenantId: string, type?: string): Promise<SecurityEventRow[]> {
  const { rows } = await t.testDb.ownerQuery<SecurityEventRow & Record<string, unknown>>(
    `select id, tenant_id, event_type, severity, user_id, email, host(ip_address) as ip_address, session_id, details
     from security_events where tenant_id = $1 and ($2::text is null or event_type::text = $2)
     order by created_at, id`,
    [tenantId, type ?? null],
  );
  return rows;
}

export interface SessionRow {
  id: string;
  user_id: string;
  token_hash: string;
  terminated_at: Date | null;
  termination_reason: string | null;
}

export async function sessionsOf(t: TestServer, userId: string): Promise<SessionRow[]> {
  const { rows } = await t.testDb.ownerQuery<SessionRow & Record<string, unknown>>(
    'select id, user_id, token_hash, terminated_at, termination_reason from user_sessions where user_id = $1 order by created_at',
    [userId],
  );
  return rows;
}

/** Replaces a tenant's site_settings.settings (throttle, allowlist, blocklist, sessions). */
export async function setTenantSettings(t: TestServer, tenantId: string, settings: Record<string, unknown>) {
  const result = await t.testDb.ownerQuery('update site_settings set settings = $2 where tenant_id = $1', [
    tenantId,
    JSON.stringify(settings),
  ]);
  if (result.rowCount !== 1) throw new Error(`tenant ${tenantId} has no site_settings row`);
}

/**
 * Moves every sign-in event `age` into the past, so the throttle's windows
 * (failures: 15 minutes; accounts seen from an IP: 24 hours) start empty,
 * and the tallies of repeated refusals with them.
 * security_events is append-only; the owner lifts its trigger for one statement.
 */
export async function ageSignInEvents(t: TestServer, age = '25 hours', types = ['login_failed', 'login_success']) {
  const list = types.map((type) => `'${type}'`).join(', ');
  await t.testDb.ownerQuery(
    `begin; set local session_replication_role = replica;
     update security_events set created_at = created_at - interval '${age}' where event_type in (${list});
     update security_event_tallies set window_start = window_start - interval '${age}';
     commit;`,
  );
}

/** An admin-invited user of `owner`'s workspace, signed in with their temporary password. */
export async function inviteUser(
  t: TestServer,
  owner: SignedUpUser,
  workspace: string,
  email: string,
  role: 'member' | 'admin' = 'member',
): Promise<SignedUpUser> {
  const invited = await owner.client.post<{ user: { id: string }; temporaryPassword: string }>('/users', {
    email,
    displayName: email.split('@')[0],
    role,
  });
  if (invited.status !== 201) throw new Error(`invite failed: ${invited.status} ${invited.text}`);
  const client = t.client.fork();
  const password = invited.body.temporaryPassword;
  const signedIn = await signIn(client, email, password, workspace);
  if (signedIn.status !== 200) throw new Error(`sign-in failed: ${signedIn.status} ${signedIn.text}`);
  return { client, userId: invited.body.user.id, tenantId: owner.tenantId, email, password };
}

/** The ids of the caller's live sessions, the current one first. */
export async function mySessionIds(client: HttpClient): Promise<{ current: string; others: string[] }> {
  const listed = await client.get<{ sessions: { id: string; current: boolean }[] }>('/auth/sessions');
  const current = listed.body.sessions.find((s) => s.current)?.id;
  if (!current) throw new Error(`no current session: ${listed.status} ${listed.text}`);
  return { current, others: listed.body.sessions.filter((s) => !s.current).map((s) => s.id) };
}
