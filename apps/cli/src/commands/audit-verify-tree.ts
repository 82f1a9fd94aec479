import { readFile } from 'node:fs/promises';
import {
  emptyRoot,
  OperatorDoor,
  readTenantCheckpoint,
  type TreeVerdict,
  tenantConsistencyProof,
  verifyTenantTree,
} from '@skillhub/db';
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

interface Saved {
  origin: string;
  treeSize: number;
  rootHash: Buffer;
}

/**
 * `audit verify --since FILE` and `--full`, over the Merkle trees: checks
 * the saved checkpoint's signature with the server's keys, the latest
 * checkpoint against it (a consistency proof; same size with another root,
 * or a smaller tree, is a fork), then hashes only the events appended
 * since (`--full`: from the first). Prints a verdict per tenant; resolves
 * false when anything does not hold.
 */
export async function verifyTrees(options: TreeVerifyOptions): Promise<boolean> {
  const verify = await import('@skillhub/verify');
  const { signer, vkeys } = await serverCheckpointKeys();
  const keys = await Promise.all(vkeys.map((k) => verify.parseVerifierKey(k)));
  const checkSigned = async (note: string): Promise<Saved | string> => {
    let reason = 'no key of this server signed it';
    for (const key of keys) {
      const verdict = await verify.verifyCheckpoint(note, key);
      if (verdict.ok) {
        const { origin, treeSize, rootHash } = verdict.checkpoint;
        return { origin, treeSize, rootHash: Buffer.from(rootHash) };
      }
      if (verdict.kind !== 'unknown-key') reason = `${verdict.kind}: ${verdict.message}`;
    }
    return reason;
  };
  let saved: Saved | null = null;
  if (options.since) {
    const text = await readFile(options.since, 'utf8').catch((error: unknown) => {
      throw new Error(`cannot read ${options.since}: ${(error as Error).message}`);
    });
    let note = text;
    try {
      note = (JSON.parse(text) as { checkpoint?: unknown }).checkpoint as string;
    } catch {
      // Not JSON: the bare signed note.
    }
    if (typeof note !== 'string') throw new Error(`${options.since} holds no signed checkpoint`);
    const checked = await checkSigned(note);
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
      const line = await db.withTenant(tenant.id, cliActor(), async () => {
        const record = await readTenantCheckpoint();
        if (!record) return saved ? 'BROKEN: truncated — the tree has no checkpoint any more' : 'no sealed events';
        const latest = await checkSigned(record.note);
        if (typeof latest === 'string') return `BROKEN: the latest checkpoint does not verify (${latest})`;
        const from = saved ?? { treeSize: 0, rootHash: emptyRoot() };
        if (latest.treeSize < from.treeSize) {
          return `BROKEN: fork — the tree has ${latest.treeSize} leaves, fewer than the saved checkpoint's ${from.treeSize}`;
        }
        if (latest.treeSize === from.treeSize && !latest.rootHash.equals(from.rootHash)) {
          return `BROKEN: fork — two checkpoints of size ${from.treeSize} with different roots`;
        }
        if (from.treeSize > 0 && latest.treeSize > from.treeSize) {
          const proof = await tenantConsistencyProof(from.treeSize, latest.treeSize).catch(() => null);
          const consistent =
            proof &&
            (await verify.verifyConsistency(
              verify.nodeHasher,
              from.treeSize,
              latest.treeSize,
              proof,
              from.rootHash,
              latest.rootHash,
            ));
          if (!consistent?.ok) {
            return `BROKEN: fork — the tree of size ${latest.treeSize} does not extend the saved one of size ${from.treeSize} (the consistency proof fails)`;
          }
        }
        return verdictLine(await verifyTenantTree(from, latest), from.treeSize, latest);
      });
      if (line.startsWith('BROKEN')) intact = false;
      process.stdout.write(`${tenant.slug}: ${line}\n`);
    }
    return intact;
  });
}

function verdictLine(verdict: TreeVerdict, fromSize: number, latest: Saved): string {
  if (!verdict.intact) {
    const b = verdict.break;
    const where = b?.leafIndex != null ? ` at leaf ${b.leafIndex}` : '';
    return `BROKEN${where}: ${b?.kind} — ${b?.detail}`;
  }
  const since = fromSize > 0 ? ` appended since size ${fromSize}` : '';
  return `intact: ${verdict.checked} event${verdict.checked === 1 ? '' : 's'}${since} checked; tree size ${latest.treeSize}, root ${latest.rootHash.toString('base64')}`;
}
