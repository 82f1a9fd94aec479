import { z } from '@hono/zod-openapi';
import { apiKeyScopes, maxApiKeyDays, maxPasswordLength, minPasswordLength } from '@skillhub/core';
import { userRoles } from '@skillhub/db';

const Email = z.email().max(254);
const NewPassword = z.string().min(minPasswordLength).max(maxPasswordLength);
const Slug = z
  .string()
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/)
  .max(63);

const DisplayName = z.string().trim().min(1).max(100);
const Workspace = z.strictObject({ name: z.string().trim().min(1).max(100), slug: Slug });
/** A token from a mailed link: 32 random bytes, base64url. */
const LinkToken = z
  .string()
  .max(100)
  .regex(/^[A-Za-z0-9_-]+$/);

export const SignUpBody = z
  .strictObject({
    email: Email,
    password: NewPassword,
    displayName: DisplayName,
    workspace: Workspace.optional().openapi({
      description: 'The workspace to create, unless the address’s domain names one that lets verified addresses join',
    }),
  })
  .openapi('SignUp');

export const SignUpRequested = z
  .object({ ok: z.literal(true), message: z.string() })
  .openapi('SignUpRequested', { description: 'The same answer whether or not the address already has an account' });

export const VerifyEmailBody = z
  .strictObject({
    token: LinkToken,
    workspace: Workspace.optional().openapi({
      description: 'Overrides the workspace named at sign-up (needed when none was, or its address was taken since)',
    }),
  })
  .openapi('VerifyEmail');

export const AcceptInvitationBody = z
  .strictObject({ token: LinkToken, displayName: DisplayName, password: NewPassword })
  .openapi('AcceptInvitation');

export const NewAccountSignedIn = z
  .object({
    userId: z.string(),
    tenantId: z.string(),
    tenantSlug: z.string(),
    role: z.enum(userRoles),
    mfaRequired: z.literal(false),
    expiresAt: z.string(),
  })
  .openapi('NewAccountSignedIn');

export const Invitation = z
  .object({
    id: z.string(),
    email: z.string(),
    role: z.enum(userRoles),
    invitedBy: z.string(),
    createdAt: z.string(),
    expiresAt: z.string(),
  })
  .openapi('Invitation');

export const CreateInvitationBody = z
  .strictObject({ email: Email, role: z.enum(userRoles).default('member') })
  .openapi('CreateInvitation');

export const SignInBody = z
  .strictObject({
    email: z.string().max(254),
    password: z.string().max(maxPasswordLength * 4),
    workspace: Slug.optional().openapi({ description: 'Needed unless the host is <workspace>.<domain>' }),
  })
  .openapi('SignIn', {
    example: { workspace: 'acme-labs', email: 'ada@acme.test', password: 'correct horse battery staple' },
  });

export const SignedIn = z
  .object({ userId: z.string(), tenantId: z.string(), mfaRequired: z.boolean(), expiresAt: z.string() })
  .openapi('SignedIn', {
    description: 'With mfaRequired, the session waits for POST /auth/mfa/verify before it can do anything else',
    example: {
      userId: '7d4e2a90-1b3c-4f5d-8e6a-9c0b1d2e3f41',
      tenantId: '5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a21',
      mfaRequired: false,
      expiresAt: '2026-02-03T21:05:12.000Z',
    },
  });

export const Me = z
  .object({
    user: z.object({
      id: z.string(),
      email: z.string(),
      displayName: z.string(),
      role: z.enum(userRoles),
      mfaEnabled: z.boolean(),
    }),
    tenant: z.object({ id: z.string(), slug: z.string(), name: z.string() }),
    sessionId: z.string(),
  })
  .openapi('Me');

export const MfaCode = z.strictObject({ code: z.string().trim().min(6).max(20) }).openapi('MfaCode');

export const PasswordBody = z
  .strictObject({ currentPassword: z.string().max(maxPasswordLength), newPassword: NewPassword })
  .openapi('ChangePassword');

export const DisableMfaBody = z
  .strictObject({ password: z.string().max(maxPasswordLength), code: z.string().trim().min(6).max(20) })
  .openapi('DisableMfa');

export const Session = z
  .object({
    id: z.string(),
    userId: z.string(),
    current: z.boolean(),
    deviceFingerprint: z.string().nullable(),
    userAgent: z.string().nullable(),
    ipAddress: z.string().nullable(),
    lastIp: z.string().nullable(),
    location: z.string().nullable(),
    createdAt: z.string(),
    lastActivityAt: z.string(),
    expiresAt: z.string(),
    terminatedAt: z.string().nullable(),
    terminationReason: z.string().nullable(),
  })
  .openapi('Session');

export const AdminSessionsQuery = z.strictObject({
  userId: z.uuid().optional(),
  includeEnded: z.enum(['true', 'false']).optional(),
});

export const User = z
  .object({
    id: z.string(),
    email: z.string(),
    displayName: z.string(),
    role: z.enum(userRoles),
    isActive: z.boolean(),
    mfaEnabled: z.boolean(),
    createdAt: z.string(),
  })
  .openapi('User');

export const InviteBody = z
  .strictObject({
    email: z.email().max(254),
    displayName: z.string().trim().min(1).max(100),
    role: z.enum(userRoles).default('member'),
  })
  .openapi('InviteUser');

export const RoleBody = z.strictObject({ role: z.enum(userRoles) }).openapi('ChangeRole');

export const ApiKey = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string(),
    scopes: z.array(z.string()),
    createdBy: z.string().nullable(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
    expiresAt: z.string().nullable().openapi({ description: 'From then on the key is refused; null: until revoked' }),
    createdAt: z.string(),
  })
  .openapi('ApiKey', {
    example: {
      id: '3c9a1f70-6e2b-4d8a-b5c4-0f1e2d3c4b5a',
      name: 'CI agent',
      prefix: 'sk_4Fq9',
      scopes: ['skills:read'],
      createdBy: '7d4e2a90-1b3c-4f5d-8e6a-9c0b1d2e3f41',
      lastUsedAt: null,
      revokedAt: null,
      expiresAt: '2026-05-04T16:05:12.000Z',
      createdAt: '2026-02-03T16:05:12.000Z',
    },
  });

export const CreateApiKeyBody = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    scopes: z.array(z.enum(apiKeyScopes)).min(1).max(apiKeyScopes.length),
    expiresInDays: z
      .number()
      .int()
      .min(1)
      .max(maxApiKeyDays)
      .optional()
      .openapi({
        description: `Refuse the key from this many days on (at most ${maxApiKeyDays}); left out: until revoked`,
      }),
  })
  .openapi('CreateApiKey', { example: { name: 'CI agent', scopes: ['skills:read'], expiresInDays: 90 } });
