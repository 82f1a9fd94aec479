import { randomBytes } from 'node:crypto';
import { createEmbeddingProvider, type EmbeddingProvider, embedSkill, hashPassword, loadConfig } from '@skillhub/core';
import type { Database } from '@skillhub/db';
import { out } from '../output/out.ts';
import { progressBar } from '../output/progress.ts';
import { cliActor } from '../runtime/cli-actor.ts';
import { skillhubHome } from '../runtime/resolve-database.ts';
import { runningServer } from '../runtime/server-lock.ts';
import { demoNextSteps } from './demo-next-steps.ts';
import { demoSkills } from './demo-skills.ts';
import { demoTenants } from './demo-tenants.ts';
import { loadDemoTenant } from './load-demo-tenant.ts';
import { loadScaleTenant, type ScaleTemplate, scaleSkillsPerTenant } from './load-scale-tenant.ts';
import { versionsOf } from './skill-versions.ts';

/**
 * Loads the three demo workspaces (skipping any that exist) and, with
 * `scale`, that many bulk tenants; prints what it made and how to sign in.
 */
export async function loadDemo(db: Database, options: { scale?: number; embedded: boolean }): Promise<void> {
  const config = loadConfig();
  const embeddings = createEmbeddingProvider(config);
  const existing = new Set<string>();
  for (const { slug } of demoTenants) if (await db.platform.findTenantBySlug(slug, cliActor())) existing.add(slug);
  const fresh = demoTenants.filter((t) => !existing.has(t.slug));
  for (const skipped of demoTenants.filter((t) => existing.has(t.slug))) {
    out(`${skipped.slug}: exists, skipped (its owner's password was printed when it was loaded)`);
  }

  const bar = progressBar('loading the demo', 'skills');
  const total = fresh.reduce((sum, t) => sum + t.skills.length, 0);
  let done = 0;
  const owners: string[] = [];
  // Collected and printed once the bar is gone: a line written under a live bar garbles it.
  const loaded: string[] = [];
  if (total > 0) bar.update(0, total);
  try {
    for (const spec of fresh) {
      const result = await loadDemoTenant({ db, config, embeddings, onSkill: () => bar.update(++done, total) }, spec);
      const c = result.counts;
      loaded.push(
        `${spec.slug}: ${c.users} users, ${c.skills} skills (${c.versions} versions), ${c.ratings} ratings, ` +
          `${c.reviews} reviews, ${c.uses} uses, ${c.apiKeys} API keys, ${c.signIns} sign-ins (${c.refused} refused)`,
      );
      owners.push(
        `  workspace ${spec.slug.padEnd(8)} email ${result.owner.email.padEnd(26)} password ${result.owner.password}`,
      );
    }
  } finally {
    bar.stop();
    if (loaded.length > 0) out(loaded.join('\n'));
  }

  const scaled = options.scale ? await loadScale(db, options.scale, existing, embeddings) : null;

  if (owners.length > 0) out(`\nSign in as an owner (passwords are shown only now):\n${owners.join('\n')}`);
  if (scaled) out(scaled);
  const running = options.embedded ? await runningServer(skillhubHome()) : null;
  for (const line of demoNextSteps({
    embedded: options.embedded,
    runningUrl: running?.url ?? null,
    port: process.env.PORT,
  }))
    out(line);
}

/** Bulk tenants `scale-1` … `scale-N` for benchmarks, skipping those that exist; returns how to sign in to them. */
async function loadScale(
  db: Database,
  count: number,
  existing: Set<string>,
  embeddings: EmbeddingProvider,
): Promise<string> {
  const templates: ScaleTemplate[] = [];
  for (const skill of demoSkills) {
    const versions = versionsOf(skill);
    const latest = versions.at(-1)?.content ?? skill.content;
    const { vector } = await embedSkill(embeddings, { ...skill, content: latest });
    const { slug, name, description, tags, visibility } = skill;
    templates.push({ slug, name, description, tags, visibility, versions, embedding: vector });
  }
  const password = randomBytes(12).toString('base64url');
  const passwordHash = await hashPassword(password);
  const slugs = Array.from({ length: count }, (_, i) => `scale-${i + 1}`).filter((slug) => !existing.has(slug));
  const bar = progressBar('generating', 'tenants');
  bar.update(0, slugs.length);
  try {
    for (const [i, slug] of slugs.entries()) {
      await loadScaleTenant(db, { slug, templates, embeddingModel: embeddings.model, passwordHash });
      // Sealed as it goes, so the backlog never grows past one tenant's events.
      await db.sealAuditEvents();
      bar.update(i + 1, slugs.length);
    }
  } finally {
    bar.stop();
  }
  const skipped = count - slugs.length;
  const made = `scale: ${slugs.length} tenant${slugs.length === 1 ? '' : 's'} × ${scaleSkillsPerTenant.toLocaleString('en-US')} skills generated${skipped ? `, ${skipped} existed` : ''}`;
  return slugs.length === 0
    ? made
    : `${made}\n  every user of these has the password ${password} (shown only now); e.g. workspace ${slugs[0]}, email owner@${slugs[0]}.example`;
}
