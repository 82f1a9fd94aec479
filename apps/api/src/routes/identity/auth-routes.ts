import { type OpenAPIHono, z } from '@hono/zod-openapi';
import {
  AppError,
  acceptInvitation,
  beginMfaSetup,
  changePassword,
  confirmMfaSetup,
  disableMfa,
  getCurrentUser,
  type NewAccountSession,
  requestSignUp,
  signIn,
  signOut,
  verifyEmail,
  verifyMfaSignIn,
} from '@skillhub/core';
import type { Context } from 'hono';
import type { AppEnv } from '../../app-env.ts';
import { defineRoute, ErrorSchema, json, jsonBody, Ok } from '../../openapi/define-route.ts';
import { userGuard } from '../../openapi/route-guards.ts';
import { inTenant } from '../in-tenant.ts';
import { readTrustedDevice, setDeviceCookie } from './device-cookie.ts';
import { deviceOf } from './device-of.ts';
import {
  AcceptInvitationBody,
  DisableMfaBody,
  Me,
  MfaCode,
  NewAccountSignedIn,
  PasswordBody,
  SignedIn,
  SignInBody,
  SignUpBody,
  SignUpRequested,
  VerifyEmailBody,
} from './identity-schemas.ts';
import { clearSessionCookie, readSessionCookie, setSessionCookie } from './session-cookie.ts';

/** The login throttle's answer, with a Retry-After header. */
const paused = { 429: json(ErrorSchema, 'Sign-in is paused after too many failed attempts; see Retry-After') };

const signUpRoute = defineRoute({
  method: 'post',
  path: '/auth/sign-up',
  tags: ['Auth'],
  summary: 'Ask for an account (and a workspace); a link to finish goes to the address',
  description:
    'Answers the same whether or not the address already has an account (its owner is mailed instead). ' +
    'At most 5 requests per client IP in 15 minutes (429 with Retry-After).',
  public: true,
  request: { body: jsonBody(SignUpBody) },
  responses: { 202: json(SignUpRequested, 'Requested; nothing exists until the mailed link is opened') },
});

const verifyEmailRoute = defineRoute({
  method: 'post',
  path: '/auth/verify-email',
  tags: ['Auth'],
  summary: 'Finish a sign-up with the mailed token: creates the account, signs it in',
  public: true,
  request: { body: jsonBody(VerifyEmailBody) },
  responses: { 200: json(NewAccountSignedIn, 'Signed up and signed in; the session is in a cookie') },
});

const acceptInvitationRoute = defineRoute({
  method: 'post',
  path: '/auth/accept-invitation',
  tags: ['Auth'],
  summary: 'Accept an invitation with the mailed token: creates the account with the invited role, signs it in',
  public: true,
  request: { body: jsonBody(AcceptInvitationBody) },
  responses: { 200: json(NewAccountSignedIn, 'Signed up and signed in; the session is in a cookie') },
});

/** The same words for every sign-up request, so the answer tells nothing about the address. */
const checkYourEmail =
  'Check your email: a link to finish signing up is on its way (it works for 24 hours). ' +
  'If no mail arrives, check the address and your spam folder.';

const enteredNewAccount = (c: Context<AppEnv>, session: NewAccountSession) => {
  setSessionCookie(c, session.token, session.expiresAt);
  const { userId, tenantId, tenantSlug, role, expiresAt } = session;
  return { userId, tenantId, tenantSlug, role, mfaRequired: false as const, expiresAt: expiresAt.toISOString() };
};

const signInRoute = defineRoute({
  method: 'post',
  path: '/auth/sign-in',
  tags: ['Auth'],
  summary: 'Sign in to a workspace',
  public: true,
  request: { body: jsonBody(SignInBody) },
  responses: {
    ...paused,
    200: json(SignedIn, 'Signed in (or waiting for a second factor); the session is in a cookie'),
  },
});

const verifyMfa = defineRoute({
  method: 'post',
  path: '/auth/mfa/verify',
  tags: ['Auth'],
  summary: 'Complete sign-in with a second factor',
  public: true,
  request: { body: jsonBody(MfaCode) },
  responses: { ...paused, 200: json(Ok, 'Signed in') },
});

const signOutRoute = defineRoute({
  method: 'post',
  path: '/auth/sign-out',
  tags: ['Auth'],
  summary: 'Sign out',
  middleware: [userGuard] as const,
  responses: { 200: json(Ok, 'Signed out') },
});

const me = defineRoute({
  method: 'get',
  path: '/auth/me',
  tags: ['Auth'],
  summary: 'The signed-in user and workspace',
  middleware: [userGuard] as const,
  responses: { 200: json(Me, 'The signed-in user') },
});

const password = defineRoute({
  method: 'post',
  path: '/auth/password',
  tags: ['Auth'],
  summary: 'Change password (ends your other sessions); a wrong current password counts like a failed sign-in',
  middleware: [userGuard] as const,
  request: { body: jsonBody(PasswordBody) },
  responses: { ...paused, 200: json(z.object({ endedSessions: z.number() }), 'Changed') },
});

const mfaSetup = defineRoute({
  method: 'post',
  path: '/auth/mfa/setup',
  tags: ['Auth'],
  summary: 'Start enabling TOTP two-factor authentication',
  middleware: [userGuard] as const,
  responses: { 200: json(z.object({ secret: z.string(), otpauthUri: z.string() }), 'The secret to add to an app') },
});

const mfaConfirm = defineRoute({
  method: 'post',
  path: '/auth/mfa/confirm',
  tags: ['Auth'],
  summary: 'Confirm TOTP with a code; returns recovery codes once and ends your other sessions',
  middleware: [userGuard] as const,
  request: { body: jsonBody(MfaCode) },
  responses: { 200: json(z.object({ recoveryCodes: z.array(z.string()) }), 'Two-factor authentication is on') },
});

const mfaDisable = defineRoute({
  method: 'post',
  path: '/auth/mfa/disable',
  tags: ['Auth'],
  summary: 'Turn two-factor authentication off (password and code); ends your other sessions',
  middleware: [userGuard] as const,
  request: { body: jsonBody(DisableMfaBody) },
  responses: { ...paused, 200: json(Ok, 'Two-factor authentication is off') },
});

export function registerAuthRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(signUpRoute, async (c) => {
    const body = c.req.valid('json');
    await requestSignUp(c.get('db'), c.get('mail'), c.get('config'), {
      ...body,
      ip: c.get('clientIp'),
      requestId: c.get('requestId'),
    });
    return c.json({ ok: true as const, message: checkYourEmail }, 202);
  });

  app.openapi(verifyEmailRoute, async (c) => {
    const body = c.req.valid('json');
    const session = await verifyEmail(c.get('db'), c.get('config'), {
      ...body,
      ip: c.get('clientIp'),
      device: deviceOf(c),
      requestId: c.get('requestId'),
    });
    return c.json(enteredNewAccount(c, session), 200);
  });

  app.openapi(acceptInvitationRoute, async (c) => {
    const body = c.req.valid('json');
    const session = await acceptInvitation(c.get('db'), c.get('config'), {
      ...body,
      ip: c.get('clientIp'),
      device: deviceOf(c),
      requestId: c.get('requestId'),
    });
    return c.json(enteredNewAccount(c, session), 200);
  });

  app.openapi(signInRoute, async (c) => {
    const body = c.req.valid('json');
    const workspace = c.get('hostSlug') ?? body.workspace;
    if (!workspace) throw new AppError('VALIDATION_FAILED', 'Name the workspace to sign in to.');
    const result = await signIn(c.get('db'), c.get('config'), {
      email: body.email,
      password: body.password,
      workspace,
      ip: c.get('clientIp'),
      device: deviceOf(c),
      requestId: c.get('requestId'),
      trustedDevice: readTrustedDevice(c),
    });
    setSessionCookie(c, result.token, result.expiresAt);
    if (!result.mfaRequired) setDeviceCookie(c, result.tenantId, result.userId);
    const { userId, tenantId, mfaRequired, expiresAt } = result;
    return c.json({ userId, tenantId, mfaRequired, expiresAt: expiresAt.toISOString() }, 200);
  });

  app.openapi(verifyMfa, async (c) => {
    const { code } = c.req.valid('json');
    const token = readSessionCookie(c);
    if (!token) throw new AppError('UNAUTHENTICATED', 'Sign in with your password first.');
    const signedIn = await verifyMfaSignIn(c.get('db'), c.get('config'), {
      token,
      code,
      ip: c.get('clientIp'),
      requestId: c.get('requestId'),
      trustedDevice: readTrustedDevice(c),
    });
    setDeviceCookie(c, signedIn.tenantId, signedIn.userId);
    return c.json({ ok: true as const }, 200);
  });

  app.openapi(signOutRoute, async (c) => {
    const auth = c.get('caller');
    await inTenant(c, auth, (tx) => signOut(tx, auth.sessionId));
    clearSessionCookie(c);
    return c.json({ ok: true as const }, 200);
  });

  app.openapi(me, async (c) => {
    const auth = c.get('caller');
    return c.json(await inTenant(c, auth, (tx) => getCurrentUser(tx, auth)), 200);
  });

  app.openapi(password, async (c) => {
    const auth = c.get('caller');
    const body = c.req.valid('json');
    const result = await changePassword(c.get('db'), auth, { ...body, trustedDevice: readTrustedDevice(c) });
    return c.json(result, 200);
  });

  app.openapi(mfaSetup, async (c) => {
    const auth = c.get('caller');
    return c.json(await inTenant(c, auth, (tx) => beginMfaSetup(tx, c.get('config'), auth.userId)), 200);
  });

  app.openapi(mfaConfirm, async (c) => {
    const auth = c.get('caller');
    const { code } = c.req.valid('json');
    return c.json(await inTenant(c, auth, (tx) => confirmMfaSetup(tx, c.get('config'), auth, code)), 200);
  });

  app.openapi(mfaDisable, async (c) => {
    const auth = c.get('caller');
    const { password, code } = c.req.valid('json');
    await disableMfa(c.get('db'), c.get('config'), auth, { password, code, trustedDevice: readTrustedDevice(c) });
    return c.json({ ok: true as const }, 200);
  });
}
