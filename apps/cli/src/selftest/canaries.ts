import { randomBytes } from 'node:crypto';
import type { RequestAuth } from '@skillhub/core';
import { type Database, type RequestActor, siteSettings, type Tenant, visibilities } from '@skillhub/db';

/** One canary workspace: what the self-test made in it, and every value that would betray it elsewhere. */
export interface Canary {
  tenant: Tenant;
  owner: { id: string; email: string; password: string };
  member: { id: string; email: string };
  apiKey: { id: string; key: string; prefix: string };
  skills: { id: string; slug: string; visibility: string }[];
  /** Strings that must never appear in an answer to the other canary: ids, slugs, emails, a unique word. */
  markers: string[];
}

/** The run's name for its canaries: `selftest-<run>-a` and `-b`, found and recognised by that prefix. */
export const canaryRun = () => randomBytes(4).toString('hex');

/**
 * Creates one canary workspace through the platform door (recorded as
 * `tenant.create` in its chain, attributed to `actor`), then, through
 * core's use cases in its own `withTenant`: its settings, an owner and a
 * member, an API key with every scope, a skill of each visibility with a
 * version, a rating, a review and a use. Each leaves the audit events the
 * HTTP routes would.
 */
export async function createCanary(db: Database, run: string, side: 'a' | 'b', actor: RequestActor): Promise<Canary> {
  const core = await import('@skillhub/core');
  const slug = `selftest-${run}-${side}`;
  const word = `canary${run}${side}`;
  const tenant = await db.platform.createTenant({ name: `Selftest canary ${side.toUpperCase()} ${run}`, slug }, actor);
  return db.withTenant(tenant.id, actor, async (tx) => {
    await tx.insert(siteSettings).values({ displayName: `Selftest ${word}` });
    const owner = await core.inviteUser(tx, 'owner', {
      email: `owner@${slug}.selftest.invalid`,
      displayName: `Owner ${word}`,
      role: 'owner',
    });
    const member = await core.inviteUser(tx, 'owner', {
      email: `member@${slug}.selftest.invalid`,
      displayName: `Member ${word}`,
      role: 'member',
    });
    const auth: RequestAuth = {
      tenantId: tenant.id,
      tenantSlug: tenant.slug,
      actor,
      userId: owner.user.id,
      role: 'owner',
      sessionId: null,
      apiKeyId: null,
      scopes: [],
    };
    const key = await core.createApiKey(tx, {
      name: `selftest ${word}`,
      scopes: [...core.apiKeyScopes],
      createdBy: owner.user.id,
    });
    const skills: Canary['skills'] = [];
    for (const visibility of visibilities) {
      const skill = await core.createSkill(
        tx,
        auth,
        {
          slug: `${slug}-${visibility}`,
          name: `Selftest ${word} ${visibility}`,
          description: `Canary skill ${word}`,
          tags: ['selftest', word],
          visibility,
          content: `Canary content ${word}`,
        },
        null,
      );
      skills.push({ id: skill.id, slug: skill.slug, visibility });
    }
    const [first] = skills;
    if (first) {
      await core.rateSkill(tx, first.id, member.user.id, 4);
      await core.saveReview(tx, first.id, owner.user.id, { status: 'approved', notes: `Canary review ${word}` });
      await core.recordUsage(tx, auth, first.id, 'selftest');
    }
    return {
      tenant,
      owner: { id: owner.user.id, email: owner.user.email, password: owner.temporaryPassword },
      member: { id: member.user.id, email: member.user.email },
      apiKey: { id: key.id, key: key.key, prefix: key.prefix },
      skills,
      markers: [
        tenant.id,
        slug,
        word,
        owner.user.id,
        member.user.id,
        owner.user.email,
        key.id,
        ...skills.flatMap((s) => [s.id, s.slug]),
      ],
    };
  });
}
