import { readFile } from 'node:fs/promises';
import { OperatorDoor, parseVerifierKey } from '@skillhub/db';
import { checkpointChecker, savedCheckpointNote, type TrustedCheckpoint } from '../evidence/checkpoint-trust.ts';
import { tenantTreeVerdict } from '../evidence/tenant-tree-verdict.ts';
import { serverCheckpointKeys } from '../runtime/checkpoint-keys.ts';
import { cliActor } from '../runtime/cli-actor.ts';
import { sealTimeoutMs, withRuntimeDatabase } from '../runtime/runtime-session.ts';
import { tenantBySlug } from '../runtime/tenant-by-slug.ts';

export interface TreeVerifyOptions {
  tenant?: string;
  /** A checkpoint saved earlier (`audit checkpoint` output, or the bare signed note). */
  since?: string;
  full?: boolean;
}

/**
 * `audit verify --since FILE` and `--full`, over the Merkle trees: checks
 * the saved checkpoint's signature with the server's keys, then each
 * tenant's tree against it (`tenantTreeVerdict`). Prints a verdict per
 * tenant; resolves false when anything does not hold.
 */
export async function verifyTrees(options: TreeVerifyOptions): Promise<boolean> {
  const { signer, vkeys } = await serverCheckpointKeys();
  const checkSigned = await checkpointChecker(vkeys);
  const retentionKeys = vkeys.map(parseVerifierKey);
  let saved: TrustedCheckpoint | null = null;
  if (options.since) {
    const text = await readFile(options.since, 'utf8').catch((error: unknown) => {
      throw new Error(`cannot read ${options.since}: ${(error as Error).message}`);
    });
    const checked = await checkSigned(savedCheckpointNote(text, options.since));
    if (typeof checked === 'string') {
      process.stdout.write(`BROKEN: the saved checkpoint does not verify (${checked})\n`);
      return false;
    }
    saved = checked;
  }
  const prefix = `${signer.deployment}/audit/`;
  if (saved && !saved.origin.startsWith(prefix)) {
    throw new Error(`the saved checkpoint is of ${saved.origin}, not of this deployment (${prefix}…)`);
  }
  return withRuntimeDatabase(async (db, database) => {
    const tenants = options.tenant
      ? [await tenantBySlug(db, options.tenant)]
      : await OperatorDoor.use(database.ownerUrl, (door) => door.listTenants(cliActor()));
    const chosen = saved ? tenants.filter((t) => t.id === saved.origin.slice(prefix.length)) : tenants;
    if (chosen.length === 0) throw new Error(`the saved checkpoint is of another tenant (${saved?.origin})`);
    await db.sealCommittedAuditEvents(sealTimeoutMs);
    await db.signAuditCheckpoints(signer);
    let intact = true;
    for (const tenant of chosen) {
      const line = await db.withTenant(tenant.id, cliActor(), () =>
        tenantTreeVerdict(saved, checkSigned, retentionKeys),
      );
      if (line.startsWith('BROKEN')) intact = false;
      process.stdout.write(`${tenant.slug}: ${line}\n`);
    }
    return intact;
  });
}
