import { OperatorDoor, readTenantCheckpoint } from '@skillhub/db';
import type { Command } from 'commander';
import { serverCheckpointKeys } from '../runtime/checkpoint-keys.ts';
import { cliActor } from '../runtime/cli-actor.ts';
import { sealTimeoutMs, withRuntimeDatabase } from '../runtime/runtime-session.ts';
import { tenantBySlug } from '../runtime/tenant-by-slug.ts';

/**
 * `skillhub audit checkpoint`: seals what is committed, signs a checkpoint
 * of every tree that grew (as the server's sealer does), and prints the
 * tenant's latest as JSON (the API's shape): save it and hand it to
 * `audit verify --since` later. Without --tenant, one line per tenant.
 */
export function registerAuditCheckpoint(audit: Command): void {
  audit
    .command('checkpoint')
    .description(
      "sign checkpoints of the grown audit trees and print a tenant's latest (JSON, keep it for verify --since)",
    )
    .option('--tenant <slug>', 'the tenant whose checkpoint to print (default: every tenant, one JSON line each)')
    .action(async (options: { tenant?: string }) => {
      const { checkpointView } = await import('@skillhub/core');
      const { signer } = await serverCheckpointKeys();
      await withRuntimeDatabase(async (db, database) => {
        const tenants = options.tenant
          ? [await tenantBySlug(db, options.tenant)]
          : await OperatorDoor.use(database.ownerUrl, (door) => door.listTenants(cliActor()));
        await db.sealCommittedAuditEvents(sealTimeoutMs);
        await db.signAuditCheckpoints(signer, (error, chain) =>
          process.stderr.write(`cannot sign the tree of ${chain || 'the system chain'}: ${(error as Error).message}\n`),
        );
        for (const tenant of tenants) {
          const record = await db.withTenant(tenant.id, cliActor(), () => readTenantCheckpoint());
          if (!record && options.tenant) throw new Error(`${tenant.slug} has no sealed audit events yet`);
          if (record) process.stdout.write(`${JSON.stringify(checkpointView(record), null, options.tenant ? 2 : 0)}\n`);
        }
      });
    });
}
