import { type OpenAPIHono, z } from '@hono/zod-openapi';
import { eq, recordAuditEvent, tenants, terminateSession, users } from '@skillhub/db';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AppEnv } from '../app-env.ts';
import { maxPasswordLength, minPasswordLength } from '../auth/passwords.ts';
import { sha256Hex } from '../auth/tokens.ts';
import { AppError } from '../errors/app-error.ts';
import { beginMfaSetup, changePassword, confirmMfaSetup, disableMfa } from '../identity/account.ts';
import { signIn } from '../identity/sign-in.ts';
import { signUp } from '../identity/sign-up.ts';
import type { DeviceInfo } from '../identity/start-session.ts';
import { verifyMfaSignIn } from '../identity/verify-mfa-sign-in.ts';
import { sessionCookie } from '../middleware/authenticate.ts';
import { inTenant, requireUser } from '../middleware/guards.ts';
import { defineRoute, readBody } from './openapi-route.ts';

const Email = z.email().max(254);
const NewPassword = z.string().min(minPasswordLength).max(maxPasswordLength);
const Slug = z
  .string()
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/)
  .max(63);

const SignUpBody = z
  .strictObject({
    email: Email,
    password: NewPassword,
    displayName: z.string().trim().min(1).max(100),
    workspace: z.strictObject({ name: z.string().trim().min(1).max(100), slug: Slug }).optional(),
  })
  .openapi('SignUp');
const SignInBody = z
  .strictObject({
    email: z.string().max(254),
    password: z.string().max(maxPasswordLength * 4),
    workspace: Slug.optional().openapi({ description: 'Needed unless the host is <workspace>.<domain>' }),
  })
  .openapi('SignIn');
const SignedIn = z
  .object({ userId: z.string(), tenantId: z.string(), mfaRequired: z.boolean(), expiresAt: z.string() })
  .openapi('SignedIn');
const Me = z
  .object({
    user: z.object({
      id: z.string(),
      email: z.string(),
      displayName: z.string(),
      role: z.string(),
      mfaEnabled: z.boolean(),
    }),
    tenant: z.object({ id: z.string(), slug: z.string(), name: z.string() }),
    sessionId: z.string(),
  })
  .openapi('Me');
const Ok = z.object({ ok: z.literal(true) });

function deviceOf(c: Context<AppEnv>): DeviceInfo {
  const userAgent = c.req.header('user-agent')?.slice(0, 500) ?? null;
  const offered = c.req.header('x-device-fingerprint');
  const fingerprint =
    offered && /^[\w-]{8,128}$/.test(offered)
      ? offered
      : sha256Hex(`${userAgent ?? ''}|${c.req.header('accept-language') ?? ''}`).slice(0, 32);
  const header = c.var.config.locationHeader;
  const location = header ? (c.req.header(header)?.slice(0, 64) ?? null) : null;
  return { fingerprint, userAgent, location };
}

function setSessionCookie(c: Context<AppEnv>, token: string, expiresAt: Date) {
  setCookie(c, sessionCookie, token, {
    httpOnly: true,
    secure: c.var.config.cookieSecure,
    sameSite: 'Lax',
    path: '/',
    expires: expiresAt,
  });
}

export function registerAuthRoutes(app: OpenAPIHono<AppEnv>): void {
  defineRoute(
    app,
    {
      method: 'post',
      path: '/auth/sign-up',
      tag: 'Auth',
      summary: 'Create an account (and a workspace)',
      body: SignUpBody,
      response: SignedIn,
      status: 201,
      authenticated: false,
    },
    async (c) => {
      const body = await readBody(c, SignUpBody);
      const result = await signUp(c.var.db, c.var.config, {
        ...body,
        ip: c.var.clientIp,
        device: deviceOf(c),
        requestId: c.var.requestId,
      });
      setSessionCookie(c, result.token, result.expiresAt);
      return c.json(
        {
          userId: result.userId,
          tenantId: result.tenantId,
          mfaRequired: false,
          expiresAt: result.expiresAt.toISOString(),
        },
        201,
      );
    },
  );

  defineRoute(
    app,
    {
      method: 'post',
      path: '/auth/sign-in',
      tag: 'Auth',
      summary: 'Sign in to a workspace',
      body: SignInBody,
      response: SignedIn,
      authenticated: false,
    },
    async (c) => {
      const body = await readBody(c, SignInBody);
      const workspace = c.var.hostSlug ?? body.workspace;
      if (!workspace) throw new AppError('VALIDATION_FAILED', 'Name the workspace to sign in to.');
      const result = await signIn(c.var.db, c.var.config, {
        email: body.email,
        password: body.password,
        workspace,
        ip: c.var.clientIp,
        device: deviceOf(c),
        requestId: c.var.requestId,
      });
      setSessionCookie(c, result.token, result.expiresAt);
      return c.json({
        userId: result.userId,
        tenantId: result.tenantId,
        mfaRequired: result.mfaRequired,
        expiresAt: result.expiresAt.toISOString(),
      });
    },
  );

  const MfaCode = z.strictObject({ code: z.string().trim().min(6).max(20) }).openapi('MfaCode');
  defineRoute(
    app,
    {
      method: 'post',
      path: '/auth/mfa/verify',
      tag: 'Auth',
      summary: 'Complete sign-in with a second factor',
      body: MfaCode,
      response: Ok,
      authenticated: false,
    },
    async (c) => {
      const { code } = await readBody(c, MfaCode);
      const token = getCookie(c, sessionCookie);
      if (!token) throw new AppError('UNAUTHENTICATED', 'Sign in with your password first.');
      await verifyMfaSignIn(c.var.db, { token, code, ip: c.var.clientIp, requestId: c.var.requestId });
      return c.json({ ok: true as const });
    },
  );

  defineRoute(
    app,
    { method: 'post', path: '/auth/sign-out', tag: 'Auth', summary: 'Sign out', response: Ok },
    async (c) => {
      const auth = requireUser(c);
      await inTenant(c, auth, async () => {
        await terminateSession(auth.sessionId, 'logout');
        await recordAuditEvent({ action: 'auth.sign_out', resourceType: 'session', resourceId: auth.sessionId });
      });
      deleteCookie(c, sessionCookie, { path: '/' });
      return c.json({ ok: true as const });
    },
  );

  defineRoute(
    app,
    { method: 'get', path: '/auth/me', tag: 'Auth', summary: 'The signed-in user and workspace', response: Me },
    async (c) => {
      const auth = requireUser(c);
      const me = await inTenant(c, auth, async (tx) => {
        const [user] = await tx
          .select({
            id: users.id,
            email: users.email,
            displayName: users.displayName,
            role: users.role,
            mfaEnabled: users.mfaEnabled,
          })
          .from(users)
          .where(eq(users.id, auth.userId));
        const [tenant] = await tx.select({ id: tenants.id, slug: tenants.slug, name: tenants.name }).from(tenants);
        return { user, tenant };
      });
      return c.json({ ...me, sessionId: auth.sessionId });
    },
  );

  const PasswordBody = z
    .strictObject({ currentPassword: z.string().max(maxPasswordLength), newPassword: NewPassword })
    .openapi('ChangePassword');
  defineRoute(
    app,
    {
      method: 'post',
      path: '/auth/password',
      tag: 'Auth',
      summary: 'Change password (ends your other sessions)',
      body: PasswordBody,
      response: z.object({ endedSessions: z.number() }),
    },
    async (c) => {
      const auth = requireUser(c);
      const body = await readBody(c, PasswordBody);
      const result = await inTenant(c, auth, (tx) =>
        changePassword(tx, { userId: auth.userId, sessionId: auth.sessionId, ...body }),
      );
      return c.json(result);
    },
  );

  defineRoute(
    app,
    {
      method: 'post',
      path: '/auth/mfa/setup',
      tag: 'Auth',
      summary: 'Start enabling TOTP two-factor authentication',
      response: z.object({ secret: z.string(), otpauthUri: z.string() }),
    },
    async (c) => {
      const auth = requireUser(c);
      return c.json(await inTenant(c, auth, (tx) => beginMfaSetup(tx, auth.userId)));
    },
  );

  defineRoute(
    app,
    {
      method: 'post',
      path: '/auth/mfa/confirm',
      tag: 'Auth',
      summary: 'Confirm TOTP with a code; returns recovery codes once',
      body: MfaCode,
      response: z.object({ recoveryCodes: z.array(z.string()) }),
    },
    async (c) => {
      const auth = requireUser(c);
      const { code } = await readBody(c, MfaCode);
      return c.json(await inTenant(c, auth, (tx) => confirmMfaSetup(tx, auth.userId, code)));
    },
  );

  const DisableMfaBody = z
    .strictObject({ password: z.string().max(maxPasswordLength), code: z.string().trim().min(6).max(20) })
    .openapi('DisableMfa');
  defineRoute(
    app,
    {
      method: 'post',
      path: '/auth/mfa/disable',
      tag: 'Auth',
      summary: 'Turn two-factor authentication off (password and code)',
      body: DisableMfaBody,
      response: Ok,
    },
    async (c) => {
      const auth = requireUser(c);
      const body = await readBody(c, DisableMfaBody);
      await inTenant(c, auth, (tx) => disableMfa(tx, auth.userId, body.password, body.code));
      return c.json({ ok: true as const });
    },
  );
}
