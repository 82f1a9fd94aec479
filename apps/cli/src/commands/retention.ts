import {
  type LedgerMonthState,
  type MonthRetirement,
  OperatorDoor,
  type RetentionOutcome,
  type Tenant,
} from '@skillhub/db';
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
    .description(
      "every workspace's retention policy, active holds and what retention removed so far; the system chain's policy; each month of the ledger",
    )
    .option('--json', 'one JSON object per workspace, one for the system chain, one per month')
    .action(async (options: { json?: boolean }) => {
      const { core, config } = await loadCore();
      await withRuntimeDatabase(async (db, database) => {
        const { all, systemDays } = await OperatorDoor.use(database.ownerUrl, async (door) => ({
          all: await door.listTenants(cliActor()),
          systemDays: await door.systemRetentionDays(),
        }));
        const slugs = new Map(all.map((t) => [t.id, t.slug]));
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
        const system = {
          chain: 'system',
          keepDays: systemDays,
          effectiveDays: clampDays(systemDays, config.retention),
        };
        if (options.json) out(JSON.stringify(system));
        else out(`system chain: ${system.keepDays === null ? 'keeps forever' : `keeps ${system.effectiveDays} days`}`);
        for (const month of await core.readLedgerMonths(db, config)) {
          const shown = { ...month, blockedBy: month.blockedBy && named(month.blockedBy, slugs) };
          out(options.json ? JSON.stringify(shown) : monthLine(shown));
        }
      });
    });
  retention
    .command('policy')
    .description("set the system chain's retention (workspaces set theirs in the console or the API)")
    .option('--system', 'the system chain (sign-ups, workspace lookups, operator actions)')
    .option('--days <n>', 'keep its events this many days, within SKILLHUB_RETENTION_MIN_DAYS / _MAX_DAYS')
    .option('--forever', 'keep its events forever (no month of the ledger can then be retired)')
    .action(async (options: { system?: boolean; days?: string; forever?: boolean }) => {
      if (!options.system) throw new Error('retention policy: name the chain with --system');
      if ((options.days === undefined) === !options.forever) {
        throw new Error('retention policy: give either --days N or --forever');
      }
      const days = options.forever ? null : Number(options.days);
      if (days !== null && (!Number.isInteger(days) || days < 1 || days > 36_500)) {
        throw new Error(`retention policy: --days is a whole number of days from 1 to 36500, not "${options.days}"`);
      }
      const { config } = await loadCore();
      await withRuntimeDatabase(async (_db, database) => {
        await OperatorDoor.use(database.ownerUrl, (door) =>
          door.setSystemRetention(days, config.retention, cliActor()),
        );
      });
      out(`system chain: ${days === null ? 'keeps forever' : `keeps ${days} days`}`);
    });
  retention
    .command('run')
    .description(
      'retire the ledger’s oldest months every chain allows, then apply each workspace’s policy (every workspace with one, or --tenant: that one only)',
    )
    .option('--tenant <slug>', 'one workspace')
    .option('--dry-run', 'say what would leave, remove nothing')
    .option('--json', 'one JSON object per workspace')
    .action(async (options: { tenant?: string; dryRun?: boolean; json?: boolean }) => {
      const { core, config } = await loadCore();
      const failed = await withRuntimeDatabase(async (db, database) => {
        // Whole months first (every chain must allow them), then each workspace's own door.
        if (!options.tenant) {
          const all = await OperatorDoor.use(database.ownerUrl, (door) => door.listTenants(cliActor()));
          const names = new Map(all.map((t) => [t.id, t.slug]));
          for (const month of await core.retireLedgerMonths(db, config, { dryRun: options.dryRun })) {
            const shown = { ...month, blockedBy: month.blockedBy && named(month.blockedBy, names) };
            out(options.json ? JSON.stringify(shown) : retirementLine(shown));
          }
        }
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

/** A reason with each workspace's id replaced by its slug. */
function named(reason: string, slugs: ReadonlyMap<string, string>): string {
  return reason.replace(/chain (\S+):/, (whole, id: string) => (slugs.has(id) ? `workspace ${slugs.get(id)}:` : whole));
}

const clampDays = (days: number | null, bounds: { minDays: number; maxDays: number | null }) =>
  days === null ? null : Math.min(Math.max(days, bounds.minDays), bounds.maxDays ?? Number.POSITIVE_INFINITY);

const size = (bytes: number) =>
  bytes >= 1 << 30
    ? `${(bytes / (1 << 30)).toFixed(1)} GB`
    : bytes >= 1 << 20
      ? `${(bytes / (1 << 20)).toFixed(1)} MB`
      : `${Math.round(bytes / 1024)} kB`;

function monthLine(month: LedgerMonthState): string {
  const what = `${month.partition}: ${month.events} rows, ${size(month.bytes)}`;
  return month.retirableNow ? `${what}; can be retired now` : `${what}; stays: ${month.blockedBy ?? 'not retirable'}`;
}

function retirementLine(month: MonthRetirement): string {
  const chains = `${month.chains.length} chain(s)`;
  switch (month.status) {
    case 'retired':
      return month.table === 'audit_logs'
        ? `month ${month.partition}: retired, ${month.eventsRemoved} events of ${chains} removed under signed records`
        : `month ${month.partition}: retired, ${month.eventsRemoved} security events of ${chains}`;
    case 'would-retire':
      return `month ${month.partition}: would be retired (${chains})`;
    default:
      return `month ${month.partition}: stays: ${month.blockedBy ?? 'not retirable'}`;
  }
}
