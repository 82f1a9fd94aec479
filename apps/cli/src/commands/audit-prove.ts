import { OperatorDoor, type Tenant } from '@skillhub/db';
import { type Command, InvalidArgumentError } from 'commander';
import { serverCheckpointKeys } from '../runtime/checkpoint-keys.ts';
import { cliActor } from '../runtime/cli-actor.ts';
import { sealTimeoutMs, withRuntimeDatabase } from '../runtime/runtime-session.ts';
import { tenantBySlug } from '../runtime/tenant-by-slug.ts';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const eventId = (value: string) => {
  if (!uuid.test(value)) throw new InvalidArgumentError('an audit event id is a UUID');
  return value;
};

const treeSize = (value: string) => {
  if (!/^[1-9][0-9]{0,15}$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError('a tree size is a positive whole number');
  }
  return Number(value);
};

/**
 * `skillhub audit prove`: the inclusion proof of one event at a signed
 * checkpoint (default the latest), printed as the API's JSON.
 */
export function registerAuditProve(audit: Command): void {
  audit
    .command('prove')
    .description("print an audit event's inclusion proof in its tenant's tree at a signed checkpoint (JSON)")
    .option('--tenant <slug>', 'the tenant the event belongs to (default: found from the event)')
    .requiredOption('--event <id>', 'the audit event id', eventId)
    .option('--tree-size <n>', 'a signed checkpoint’s size (default: the latest)', treeSize)
    .action(async (options: { tenant?: string; event: string; treeSize?: number }) => {
      const { proveAuditEvent } = await import('@skillhub/core');
      const { signer } = await serverCheckpointKeys();
      await withRuntimeDatabase(async (db, database) => {
        const tenant = options.tenant
          ? await tenantBySlug(db, options.tenant)
          : await eventTenant(database.ownerUrl, options.event);
        await db.sealCommittedAuditEvents(sealTimeoutMs);
        await db.signAuditCheckpoints(signer);
        const proof = await db.withTenant(tenant.id, cliActor(), () =>
          proveAuditEvent(options.event, options.treeSize),
        );
        process.stdout.write(`${JSON.stringify(proof, null, 2)}\n`);
      });
    });
}

/** The workspace an event belongs to, found over the operator's connection (recorded as tenant.resolve). */
async function eventTenant(ownerUrl: string, eventId: string): Promise<Tenant> {
  const tenant = await OperatorDoor.use(ownerUrl, (door) => door.findEventTenant(eventId, cliActor()));
  if (!tenant) throw new Error(`no tenant's audit trail holds an event ${eventId}`);
  return tenant;
}
