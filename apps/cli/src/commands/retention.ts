import { OperatorDoor, type RetentionOutcome, type Tenant } from '@skillhub/db';
import type { Command } from 'commander';
import { out } from '../output/out.ts';
import { cliActor } from '../runtime/cli-actor.ts';
import { withRuntimeDatabase } from '../runtime/runtime-session.ts';
import { tenantBySlug } from '../runtime/tenant-by-slug.ts';
import { registerRetentionHold } from './retention-hold.ts';

const loadCore = async () => {
  const core = await import('@skillhub/core');
  return { core, config: core.loadConfig() };
};

/** `skillhub retention status|run|hold`: the operator's view and hand on audit retention. */
export function registerRetention(program: Command): void {
  const retention = program
    .command('retention')
    .description('audit retention per workspace: policies, runs, legal holds');
  retention
    .command('status')
    .description("every workspace's retention policy, active holds and what retention removed so far")
    .option('--json', 'one JSON object per workspace')
    .action(async (options: { json?: boolean }) => {
      const { core, config } = await loadCore();
      await withRuntimeDatabase(async (db, database) => {
        const all = await OperatorDoor.use(database.ownerUrl, (door) => door.listTenants(cliActor()));
        for (const tenant of all) {
          const status = await db.withTenant(tenant.id, cliActor(), async (tx) => {
            const { policy, holds: all, records } = await core.readRetentionState(tx, config);
            const holds = all.filter((h) => h.releasedAt === null);
            const last = records.at(-1);
            return {
              tenant: tenant.slug,
              keepDays: policy.keepDays,
              effectiveDays: policy.effectiveDays,
              activeHolds: holds.length,
              removedLeaves: last?.endLeaf ?? 0,
              records: records.length,
              lastRemovalAt: last?.removedAt.toISOString() ?? null,
            };
          });
          if (options.json) out(JSON.stringify(status));
          else {
            const policy = status.keepDays === null ? 'keeps forever' : `keeps ${status.effectiveDays} days`;
            const removed =
              status.records > 0
                ? `leaves 0..${status.removedLeaves - 1} removed, last ${status.lastRemovalAt}`
                : 'nothing removed';
            out(`${status.tenant}: ${policy}; ${status.activeHolds} active hold(s); ${removed}`);
          }
        }
      });
    });
  retention
    .command('run')
    .description('apply each workspace’s policy now (every workspace with one, or --tenant)')
    .option('--tenant <slug>', 'one workspace')
    .option('--dry-run', 'say what would leave, remove nothing')
    .option('--json', 'one JSON object per workspace')
    .action(async (options: { tenant?: string; dryRun?: boolean; json?: boolean }) => {
      const { core, config } = await loadCore();
      const failed = await withRuntimeDatabase(async (db, database) => {
        const chosen = options.tenant
          ? [await tenantBySlug(db, options.tenant)]
          : await withPolicy(await db.tenantsWithRetention(), database.ownerUrl);
        const slugs = new Map(chosen.map((t) => [t.id, t.slug]));
        const outcomes = await core.runRetention(
          db,
          config,
          chosen.map((t) => t.id),
          { dryRun: options.dryRun, actor: cliActor() },
        );
        for (const outcome of outcomes) {
          const slug = slugs.get(outcome.tenantId) ?? outcome.tenantId;
          out(options.json ? JSON.stringify({ tenant: slug, ...outcome }) : `${slug}: ${outcomeLine(outcome)}`);
        }
        if (outcomes.length === 0 && !options.json) out('no workspace sets a retention policy');
        return outcomes.some((o) => o.error);
      });
      if (failed) process.exitCode = 1;
    });
  registerRetentionHold(retention);
}

/** The workspaces with a policy, with their slugs (one lookup of the directory). */
async function withPolicy(withRetention: string[], ownerUrl: string): Promise<Pick<Tenant, 'id' | 'slug'>[]> {
  if (withRetention.length === 0) return [];
  const ids = new Set(withRetention);
  const all = await OperatorDoor.use(ownerUrl, (door) => door.listTenants(cliActor()));
  return all.filter((t) => ids.has(t.id));
}

function outcomeLine(outcome: RetentionOutcome & { error?: string }): string {
  if (outcome.error) return `FAILED: ${outcome.error}`;
  const range = `leaves ${outcome.startLeaf}..${outcome.endLeaf - 1}`;
  const held = outcome.blockedBy ? `; held back: ${outcome.blockedBy}` : '';
  switch (outcome.status) {
    case 'no-policy':
      return 'no policy: keeps everything';
    case 'nothing-expired':
      return `nothing expired (policy ${outcome.keepDays} days)`;
    case 'would-remove':
      return `would remove ${range} (policy ${outcome.keepDays} days)${held}`;
    case 'removed':
      return `removed ${outcome.eventsRemoved} events, ${range}, under a signed record${held}`;
    default:
      return `blocked: ${outcome.blockedBy ?? 'nothing may leave yet'}`;
  }
}
