import { randomUUID } from 'node:crypto';
import {
  type AppConfig,
  AppError,
  createApiKey,
  createSkill,
  type EmbeddingProvider,
  embedSkill,
  inviteUser,
  publishVersion,
  type RequestAuth,
  rateSkill,
  recordUsage,
  revokeApiKey,
  saveReview,
  signIn,
} from '@skillhub/core';
import { type Database, siteSettings, type Tenant, type UserRole } from '@skillhub/db';
import { cliActor } from '../runtime/cli-actor.ts';
import { demoSkills } from './demo-skills.ts';
import type { DemoTenant } from './demo-tenants.ts';
import { type SeededRandom, seededRandom } from './seeded-random.ts';
import { versionsOf } from './skill-versions.ts';

export interface DemoContext {
  db: Database;
  config: AppConfig;
  embeddings: EmbeddingProvider;
  /** Called after each skill is published. */
  onSkill?: () => void;
}

export interface LoadedDemoTenant {
  tenant: Tenant;
  owner: { email: string; password: string };
  counts: {
    users: number;
    skills: number;
    versions: number;
    ratings: number;
    reviews: number;
    uses: number;
    apiKeys: number;
    signIns: number;
    refused: number;
  };
}

interface DemoSkill {
  id: string;
  authorId: string;
  visibility: 'private' | 'internal' | 'public';
  versions: number;
  popularity: number;
}

/** Whether a demo caller can reach a skill: a private one is its author's, an admin's and an owner's only (migration 0024). */
const reads = (reader: { id: string | null; role: UserRole | null }, skill: DemoSkill): boolean =>
  skill.visibility !== 'private' || reader.id === skill.authorId || reader.role === 'admin' || reader.role === 'owner';

interface DemoUser {
  id: string;
  email: string;
  role: UserRole;
  password: string;
}

const day = 24 * 60 * 60 * 1000;
const browsers = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
];

/**
 * Loads one demo workspace through the API's own use cases, each inside
 * `withTenant`, so row policies, audit events, change capture, security
 * events and the sign-in throttle all see what they would see in
 * production. Actions are attributed to the demo users (or the CLI, for
 * setup), each with a `demo-` request id.
 */
export async function loadDemoTenant(context: DemoContext, spec: DemoTenant): Promise<LoadedDemoTenant> {
  const { db } = context;
  const random = seededRandom(spec.slug);
  const tenant = await db.platform.createTenant(
    { name: spec.name, slug: spec.slug, domain: spec.domain, plan: spec.plan },
    cliActor(),
  );
  const people = await addPeople(db, tenant, spec);
  const owner = people[0];
  if (!owner) throw new Error(`demo tenant ${spec.slug} has nobody in it`);
  const editors = people.filter((p) => p.role !== 'member');
  const skills = await publishSkills(context, tenant, spec, people, random);
  const keys = await addApiKeys(db, tenant, editors[editors.length - 1] ?? owner);

  const ratings = await rateSkills(db, tenant, people, skills, random);
  const reviews = await reviewSkills(db, tenant, editors[1] ?? owner, skills);
  const uses = await recordPastUsage(db, tenant, people, [keys.ci], skills, random);
  const signIns = await signInAttempts(context, tenant, spec, people, random);
  return {
    tenant,
    owner: { email: owner.email, password: owner.password },
    counts: {
      users: people.length,
      skills: skills.length,
      versions: skills.reduce((sum, s) => sum + s.versions, 0),
      ratings,
      reviews,
      uses,
      apiKeys: keys.count,
      ...signIns,
    },
  };
}

/** The workspace's settings row (as sign-up makes it) and its people, each with a generated password. */
async function addPeople(db: Database, tenant: Tenant, spec: DemoTenant): Promise<DemoUser[]> {
  return db.withTenant(tenant.id, cliActor(), async (tx) => {
    await tx.insert(siteSettings).values({ displayName: spec.name });
    const people: DemoUser[] = [];
    for (const person of spec.people) {
      const { user, temporaryPassword } = await inviteUser(tx, 'owner', {
        email: person.email,
        displayName: person.name,
        role: person.role,
      });
      people.push({ id: user.id, email: user.email, role: user.role, password: temporaryPassword });
    }
    return people;
  });
}

async function publishSkills(
  context: DemoContext,
  tenant: Tenant,
  spec: DemoTenant,
  people: DemoUser[],
  random: SeededRandom,
) {
  const published: DemoSkill[] = [];
  for (const slug of spec.skills) {
    const skill = demoSkills.find((s) => s.slug === slug);
    if (!skill) throw new Error(`demo tenant ${spec.slug} names an unknown skill ${slug}`);
    const author = random.pick(people);
    const auth = userActor(tenant, author);
    const versions = versionsOf(skill);
    // Embedded before the transaction, as the API does: no network call inside it.
    const embeddings = await Promise.all(
      versions.map((v) => embedSkill(context.embeddings, { ...skill, content: v.content })),
    );
    const id = await context.db.withTenant(tenant.id, auth.actor, async (tx) => {
      const [first, ...later] = versions;
      const created = await createSkill(
        tx,
        auth,
        { ...skill, content: first?.content, changelog: first?.changelog },
        embeddings[0] ?? null,
      );
      for (const [i, version] of later.entries())
        await publishVersion(tx, auth, created.id, version, embeddings[i + 1] ?? null);
      return created.id;
    });
    published.push({
      id,
      authorId: author.id,
      visibility: skill.visibility,
      versions: versions.length,
      popularity: random.between(1, 10),
    });
    context.onSkill?.();
  }
  return published;
}

/** Everyone rates about half of the skills they did not write, mostly favourably. */
async function rateSkills(
  db: Database,
  tenant: Tenant,
  people: DemoUser[],
  skills: DemoSkill[],
  random: SeededRandom,
): Promise<number> {
  let ratings = 0;
  for (const person of people) {
    const rated = skills.filter((s) => s.authorId !== person.id && reads(person, s) && random.chance(0.55));
    await db.withTenant(tenant.id, userActor(tenant, person).actor, async (tx) => {
      for (const skill of rated) await rateSkill(tx, skill.id, person.id, random.pick([2, 3, 4, 4, 4, 5, 5, 5]));
    });
    ratings += rated.length;
  }
  return ratings;
}

/** An admin's quality reviews of the first three skills: two approved, one sent back. */
async function reviewSkills(db: Database, tenant: Tenant, reviewer: DemoUser, skills: { id: string }[]) {
  const reviewed = skills.slice(0, 3);
  await db.withTenant(tenant.id, userActor(tenant, reviewer).actor, async (tx) => {
    for (const [i, skill] of reviewed.entries()) {
      await saveReview(
        tx,
        skill.id,
        reviewer.id,
        i === 1
          ? { status: 'changes_requested', notes: 'Say what the output should look like when the input is empty.' }
          : { status: 'approved', notes: 'Clear instructions and a fixed output format. Approved for everyone.' },
      );
    }
  });
  return reviewed.length;
}

/** Two live keys and a revoked one, made by an admin, as the console would show them; returns the CI key and the count. */
async function addApiKeys(db: Database, tenant: Tenant, admin: DemoUser) {
  return db.withTenant(tenant.id, userActor(tenant, admin).actor, async (tx) => {
    const created = [
      await createApiKey(tx, { name: 'CI pipeline', scopes: ['skills:read', 'usage:write'], createdBy: admin.id }),
      await createApiKey(tx, { name: 'SIEM export', scopes: ['audit:read'], createdBy: admin.id }),
      await createApiKey(tx, { name: 'Old Slack bot', scopes: ['skills:read'], createdBy: admin.id }),
    ] as const;
    const [ci, , old] = created;
    await revokeApiKey(tx, old.id);
    return { ci, count: created.length };
  });
}

/** Uses over the last 30 days, popular skills more often, from the web, agents and the CI key. */
async function recordPastUsage(
  db: Database,
  tenant: Tenant,
  people: DemoUser[],
  keys: { id: string; scopes: string[]; createdBy: string | null }[],
  skills: DemoSkill[],
  random: SeededRandom,
): Promise<number> {
  const callers: RequestAuth[] = [...people.map((p) => userActor(tenant, p)), ...keys.map((k) => keyActor(tenant, k))];
  const now = Date.now();
  let uses = 0;
  for (const caller of callers) {
    const reader = { id: caller.userId ?? caller.actor.onBehalfOf ?? null, role: caller.role };
    await db.withTenant(tenant.id, caller.actor, async (tx) => {
      for (const skill of skills.filter((s) => reads(reader, s))) {
        const count = random.between(0, skill.popularity * (caller.apiKeyId ? 3 : 1));
        for (let i = 0; i < count; i++) {
          const source = caller.apiKeyId ? 'api' : random.pick(['web', 'web', 'agent']);
          await recordUsage(tx, caller, skill.id, source, new Date(now - random.next() * 30 * day));
        }
        uses += count;
      }
    });
  }
  return uses;
}

/**
 * Through the real sign-in: a member who mistypes twice and then gets in,
 * a guess at an address that does not exist, and a password-guessing burst
 * against another member that trips the throttle (suspicious activity,
 * then a blocked attempt). Never the owner, from documentation-only IPs,
 * so the person trying the demo is not throttled.
 */
async function signInAttempts(
  context: DemoContext,
  tenant: Tenant,
  spec: DemoTenant,
  people: DemoUser[],
  random: SeededRandom,
): Promise<{ signIns: number; refused: number }> {
  const members = people.filter((p) => p.role === 'member');
  const [forgetful, targeted] = [members[0], members[1] ?? members[0]];
  const counts = { signIns: 0, refused: 0 };
  if (!forgetful || !targeted) return counts;
  // The IP allowance counts failures across workspaces: each tenant's story gets addresses of its own.
  const office = `203.0.113.${random.between(1, 254)}`;
  const attacker = `198.51.100.${random.between(1, 254)}`;
  const attempt = async (email: string, password: string, ip: string, browser: number) => {
    const device = { fingerprint: null, userAgent: browsers[browser] ?? null, location: null };
    counts.signIns++;
    await signIn(context.db, context.config, {
      email,
      password,
      workspace: tenant.slug,
      ip,
      device,
      requestId: `demo-${randomUUID()}`,
    }).catch((error: unknown) => {
      if (!(error instanceof AppError)) throw error;
      counts.refused++;
    });
  };
  await attempt(forgetful.email, `${forgetful.password}x`, office, 0);
  await attempt(forgetful.email, forgetful.password.toUpperCase(), office, 0);
  await attempt(forgetful.email, forgetful.password, office, 0);
  await attempt(`it-support@${spec.domain}`, 'Winter2024!', attacker, 2);
  for (const guess of ['password1', 'Password123', 'letmein!', 'Summer2025', 'qwerty123', 'welcome1']) {
    await attempt(targeted.email, guess, attacker, 2);
  }
  return counts;
}

const requestId = () => `demo-${randomUUID()}`;

/** A demo user as the API's use cases see their caller. */
const userActor = (tenant: Tenant, user: DemoUser): RequestAuth => ({
  tenantId: tenant.id,
  tenantSlug: tenant.slug,
  actor: { actorType: 'user', actorId: user.id, role: user.role, requestId: requestId(), ip: null },
  userId: user.id,
  role: user.role,
  sessionId: null,
  apiKeyId: null,
  scopes: ['*'],
});

const keyActor = (tenant: Tenant, key: { id: string; scopes: string[]; createdBy: string | null }): RequestAuth => ({
  tenantId: tenant.id,
  tenantSlug: tenant.slug,
  actor: { actorType: 'api_key', actorId: key.id, onBehalfOf: key.createdBy, requestId: requestId(), ip: null },
  userId: null,
  role: null,
  sessionId: null,
  apiKeyId: key.id,
  scopes: key.scopes,
});
