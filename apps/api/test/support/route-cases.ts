import type { HttpClient } from './http-client.ts';

/** Everything a route case needs: two workspaces, each with an owner and a member. */
export interface RouteWorld {
  a: { tenantId: string; owner: HttpClient; member: HttpClient; memberId: string };
  b: { tenantId: string; owner: HttpClient };
  /** A fresh skill in A (owned by A's owner) or B; returns its id. */
  skillIn(tenant: 'a' | 'b', extra?: Record<string, unknown>): Promise<string>;
}

export interface RouteCase {
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Builds the path (and any resource it needs) for a caller in tenant A. */
  path(world: RouteWorld, skillId: string): string;
  body?: (world: RouteWorld, skillId: string) => unknown;
  /** The least role that may call it. */
  role: 'member' | 'admin';
  /** Takes a skill id in its path: another tenant's id must look missing. */
  takesSkillId: boolean;
  /** The application audit events one successful call leaves. */
  audits: string[];
  status: number;
  /** Bodies that must be refused with 400 and leave nothing behind. */
  badBodies?: unknown[];
}

let serial = 0;
const unique = () => `${Date.now().toString(36)}-${++serial}`;

export const routeCases: RouteCase[] = [
  {
    name: 'create skill',
    method: 'POST',
    path: () => '/skills',
    body: () => ({ slug: `new-${unique()}`, name: 'New', content: 'text' }),
    role: 'member',
    takesSkillId: false,
    audits: ['skill.created', 'skill.version_published'],
    status: 201,
    badBodies: [
      { slug: 'Bad Slug', name: 'x' },
      { slug: 'ok-slug', name: 'x', unexpected: true },
      { slug: 'ok-slug', name: 'x', content: 'x'.repeat(100_001) },
      { slug: 'ok-slug', name: '', tags: ['UPPER'] },
    ],
  },
  {
    name: 'list skills',
    method: 'GET',
    path: () => '/skills?limit=5',
    role: 'member',
    takesSkillId: false,
    audits: [],
    status: 200,
  },
  {
    name: 'read skill',
    method: 'GET',
    path: (_w, id) => `/skills/${id}`,
    role: 'member',
    takesSkillId: true,
    audits: [],
    status: 200,
  },
  {
    name: 'update skill',
    method: 'PATCH',
    path: (_w, id) => `/skills/${id}`,
    body: () => ({ description: 'changed' }),
    role: 'admin',
    takesSkillId: true,
    audits: ['skill.updated'],
    status: 200,
    badBodies: [{ description: 5 }, { owner: 'me' }, {}],
  },
  {
    name: 'delete skill',
    method: 'DELETE',
    path: (_w, id) => `/skills/${id}`,
    role: 'admin',
    takesSkillId: true,
    audits: ['skill.deleted'],
    status: 200,
  },
  {
    name: 'publish version',
    method: 'POST',
    path: (_w, id) => `/skills/${id}/versions`,
    body: () => ({ content: 'next', changelog: 'more' }),
    role: 'admin',
    takesSkillId: true,
    audits: ['skill.version_published'],
    status: 201,
    badBodies: [{ content: '' }, { content: 'x', extra: 1 }, { content: 'x'.repeat(100_001) }],
  },
  {
    name: 'list versions',
    method: 'GET',
    path: (_w, id) => `/skills/${id}/versions`,
    role: 'member',
    takesSkillId: true,
    audits: [],
    status: 200,
  },
  {
    name: 'read version',
    method: 'GET',
    path: (_w, id) => `/skills/${id}/versions/1`,
    role: 'member',
    takesSkillId: true,
    audits: [],
    status: 200,
  },
  {
    name: 'rate skill',
    method: 'PUT',
    path: (_w, id) => `/skills/${id}/rating`,
    body: () => ({ score: 5 }),
    role: 'member',
    takesSkillId: true,
    audits: ['rating.created'],
    status: 200,
    badBodies: [{ score: 6 }, { score: 0 }, { score: 2.5 }, { score: '5' }],
  },
  {
    name: 'review skill',
    method: 'PUT',
    path: (_w, id) => `/skills/${id}/review`,
    body: () => ({ status: 'approved', notes: 'fine' }),
    role: 'admin',
    takesSkillId: true,
    audits: ['review.created'],
    status: 201,
    badBodies: [{ status: 'great' }, { status: 'approved', notes: 'x'.repeat(10_001) }],
  },
  {
    name: 'record usage',
    method: 'POST',
    path: (_w, id) => `/skills/${id}/usage`,
    body: () => ({ source: 'agent' }),
    role: 'member',
    takesSkillId: true,
    audits: [],
    status: 201,
    badBodies: [{ source: 'no spaces allowed' }],
  },
  {
    name: 'usage stats',
    method: 'GET',
    path: (_w, id) => `/skills/${id}/usage?period=week`,
    role: 'member',
    takesSkillId: true,
    audits: [],
    status: 200,
  },
  {
    name: 'similar skills',
    method: 'GET',
    path: (_w, id) => `/skills/${id}/similar`,
    role: 'member',
    takesSkillId: true,
    audits: [],
    status: 200,
  },
  {
    name: 'search',
    method: 'GET',
    path: () => '/search?q=skill',
    role: 'member',
    takesSkillId: false,
    audits: [],
    status: 200,
  },
  {
    name: 'similar search',
    method: 'GET',
    path: () => '/search/similar?q=skill',
    role: 'member',
    takesSkillId: false,
    audits: [],
    status: 200,
  },
  {
    name: 'merge skills',
    method: 'POST',
    path: () => '/skills/merge',
    body: (_w, id) => ({ source: id, target: 'merge-target' }),
    role: 'admin',
    takesSkillId: false,
    audits: ['skill.merged'],
    status: 200,
    badBodies: [{ source: 'a' }, { source: 'a', target: 'b', into: 'c' }],
  },
  {
    name: 'invite by email',
    method: 'POST',
    path: () => '/invitations',
    body: () => ({ email: `guest-${unique()}@elsewhere.test`, role: 'member' }),
    role: 'admin',
    takesSkillId: false,
    audits: ['invitation.created'],
    status: 201,
    badBodies: [{ email: 'not an email' }, { email: 'a@b.test', role: 'king' }, { email: 'a@b.test', token: 'x' }],
  },
  {
    name: 'list invitations',
    method: 'GET',
    path: () => '/invitations',
    role: 'admin',
    takesSkillId: false,
    audits: [],
    status: 200,
  },
];
