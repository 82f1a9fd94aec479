import { listLegalHolds } from '@skillhub/db';
import type { Command } from 'commander';
import { out } from '../output/out.ts';
import { formatTable } from '../output/table.ts';
import { cliActor } from '../runtime/cli-actor.ts';
import { withRuntimeDatabase } from '../runtime/runtime-session.ts';
import { tenantBySlug } from '../runtime/tenant-by-slug.ts';

/**
 * `skillhub retention hold place|release|list`: the operator places and
 * releases legal holds as the CLI's system actor, in the workspace's own
 * chain (`legal_hold.placed` / `.released`, with the reason).
 */
export function registerRetentionHold(retention: Command): void {
  const hold = retention
    .command('hold')
    .description('legal holds: block retention (and erasure) of a workspace or subject');
  hold
    .command('place')
    .description('place a hold on a workspace, or on one subject of it (--subject)')
    .requiredOption('--tenant <slug>', 'the workspace')
    .option('--subject <user id or email>', 'hold one subject’s events instead of the whole workspace')
    .requiredOption('--reason <text>', 'why (recorded in the workspace’s trail)')
    .action(async (options: { tenant: string; subject?: string; reason: string }) => {
      const { placeLegalHold } = await import('@skillhub/core');
      const placed = await withRuntimeDatabase(async (db) => {
        const tenant = await tenantBySlug(db, options.tenant);
        return db.withTenant(tenant.id, cliActor(), () =>
          placeLegalHold({ subject: options.subject ?? null, reason: options.reason }),
        );
      });
      out(`placed hold ${placed.id} on ${placed.subject ?? `workspace ${options.tenant}`}`);
    });
  hold
    .command('release <id>')
    .description('release an active hold')
    .requiredOption('--tenant <slug>', 'the workspace')
    .requiredOption('--reason <text>', 'why (recorded in the workspace’s trail)')
    .action(async (id: string, options: { tenant: string; reason: string }) => {
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) {
        throw new Error(`"${id.slice(0, 60)}" is not a hold id (a UUID, as hold list prints it)`);
      }
      const { releaseLegalHold } = await import('@skillhub/core');
      await withRuntimeDatabase(async (db) => {
        const tenant = await tenantBySlug(db, options.tenant);
        await db.withTenant(tenant.id, cliActor(), () => releaseLegalHold(id, options.reason));
      });
      out(`released hold ${id}`);
    });
  hold
    .command('list')
    .description('a workspace’s holds, active first')
    .requiredOption('--tenant <slug>', 'the workspace')
    .option('--json', 'one JSON object per hold')
    .action(async (options: { tenant: string; json?: boolean }) => {
      const holds = await withRuntimeDatabase(async (db) => {
        const tenant = await tenantBySlug(db, options.tenant);
        return db.withTenant(tenant.id, cliActor(), () => listLegalHolds());
      });
      if (options.json) {
        for (const h of holds) out(JSON.stringify(h));
        return;
      }
      const rows = holds.map((h) => [
        h.id,
        h.subject ?? '(workspace)',
        h.releasedAt ? `released ${h.releasedAt.toISOString()}` : 'active',
        h.placedAt.toISOString(),
        h.reason,
      ]);
      process.stdout.write(formatTable(['id', 'subject', 'status', 'placed', 'reason'], rows));
    });
}
