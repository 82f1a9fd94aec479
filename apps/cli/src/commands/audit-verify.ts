import {
  type ChainVerdict,
  type Database,
  OperatorDoor,
  parseVerifierKey,
  recordAuditEvent,
  type VerifyAuditChainOptions,
} from '@skillhub/db';
import type { Command } from 'commander';
import { serverCheckpointKeys } from '../runtime/checkpoint-keys.ts';
import { cliActor } from '../runtime/cli-actor.ts';
import { parseChainHead, parseIsoDate } from '../runtime/parse-options.ts';
import { withRuntimeDatabase } from '../runtime/runtime-session.ts';
import { sealAndVerify } from '../runtime/seal-and-verify.ts';
import { tenantBySlug } from '../runtime/tenant-by-slug.ts';
import { readSignedHead } from './audit-signed-head.ts';
import { type TreeVerifyOptions, verifyTrees } from './audit-verify-tree.ts';

interface VerifyOptions {
  tenant?: string;
  from?: Date;
  to?: Date;
  head?: VerifyAuditChainOptions['expectedHead'];
  signedHead?: string;
  publicKey?: string;
  /** The chain a signed head belongs to: it must be the tenant's. */
  headChain?: string;
}

/** `skillhub audit verify`: seal what is pending, recompute the hash chains, print a verdict per chain. */
export function registerAuditVerify(audit: Command): void {
  audit
    .command('verify')
    .description('seal pending events, then recompute the audit hash chains and report the first break')
    .option('--tenant <slug>', "verify one tenant's chain (default: every chain)")
    .option('--from <iso>', 'only events created at or after this time', parseIsoDate)
    .option('--to <iso>', 'only events created at or before this time', parseIsoDate)
    .option(
      '--head <position:hash>',
      'a head printed by an earlier run; fails if history was cut or rewritten',
      parseChainHead,
    )
    .option('--signed-head <file>', 'a head signed by audit sign-head, checked with --public-key, then as --head')
    .option('--public-key <file>', 'the Ed25519 public key (PEM) you trust for --signed-head')
    .option(
      '--since <checkpoint-file>',
      'a checkpoint saved from audit checkpoint: check the tree only appended since, then hash only the new events',
    )
    .option('--full', 'over the Merkle trees: hash every event and check the latest signed checkpoint')
    .action(async (options: VerifyOptions & TreeVerifyOptions) => {
      if (options.since || options.full) {
        if (options.since && options.full) throw new Error('use --since or --full, not both');
        if (options.head || options.signedHead || options.from || options.to) {
          throw new Error('--since and --full check the trees: drop --head, --signed-head, --from and --to');
        }
        if (!(await verifyTrees(options))) process.exitCode = 1;
        return;
      }
      const headOption = options.signedHead ? '--signed-head' : options.head ? '--head' : null;
      if (options.head && options.signedHead) throw new Error('use --head or --signed-head, not both');
      if (headOption && !options.tenant)
        throw new Error(`${headOption} needs --tenant: a recorded head belongs to one chain`);
      if (headOption && (options.from || options.to))
        throw new Error(`${headOption} is checked against the whole chain: drop --from and --to`);
      if (options.publicKey && !options.signedHead) throw new Error('--public-key goes with --signed-head');
      if (options.signedHead) {
        if (!options.publicKey) throw new Error('--signed-head needs --public-key: the key you trust for it');
        const signed = await readSignedHead(options.signedHead, options.publicKey);
        options.head = { position: signed.position, hash: signed.hash };
        options.headChain = signed.chain;
      }
      const intact = await withRuntimeDatabase((db, database) => verify(db, database.ownerUrl, options));
      if (!intact) process.exitCode = 1;
    });
}

async function verify(db: Database, ownerUrl: string, options: VerifyOptions): Promise<boolean> {
  const tenant = options.tenant ? await tenantBySlug(db, options.tenant) : null;
  if (options.headChain !== undefined && options.headChain !== tenant?.id) {
    throw new Error(`the signed head belongs to another chain than ${options.tenant}'s`);
  }
  const labels = new Map<string, string>([['', 'system']]);
  if (tenant) labels.set(tenant.id, tenant.slug);
  else
    for (const t of await OperatorDoor.use(ownerUrl, (door) => door.listTenants(cliActor()))) labels.set(t.id, t.slug);
  // Retention records are signed with the checkpoint key: the server's keys check them.
  const retentionKeys = (await serverCheckpointKeys()).vkeys.map(parseVerifierKey);
  // After the lookups, which write events of their own.
  const result = await sealAndVerify(db, ownerUrl, {
    tenantId: tenant?.id,
    from: options.from,
    to: options.to,
    expectedHead: options.head,
    retentionKeys,
  });
  for (const chain of result.chains) {
    process.stdout.write(`${labels.get(chain.chain) ?? chain.chain}: ${verdict(chain)}\n`);
    if (chain.chain) await recordVerification(db, chain, options);
  }
  const broken = result.chains.filter((c) => !c.intact).length;
  process.stdout.write(
    broken === 0
      ? `overall: intact: ${plural(result.events, 'event')} in ${plural(result.chains.length, 'chain')}\n`
      : `overall: BROKEN: ${broken} of ${result.chains.length} chains\n`,
  );
  return result.intact;
}

const verdict = (chain: ChainVerdict): string => {
  if (!chain.intact) {
    const where = chain.break?.position != null ? ` at position ${chain.break.position}` : '';
    return `BROKEN${where}: ${chain.break?.kind} — ${chain.break?.detail}`;
  }
  const head = chain.head ? `${chain.head.position}:${chain.head.hash}` : 'none';
  const unsealed = chain.unsealed > 0 ? ` (${chain.unsealed} not sealed yet)` : '';
  const removed = chain.removed.map((r) => `; leaves ${r.startLeaf}..${r.endLeaf - 1} removed by policy (${r.record})`);
  return `intact: ${plural(chain.events, 'event')}, head ${head}${unsealed}${removed.join('')}`;
};

/** The verification itself goes into the tenant's trail (and is sealed before the command exits). */
const recordVerification = (db: Database, chain: ChainVerdict, options: VerifyOptions) =>
  db.withTenant(chain.chain, cliActor(), () =>
    recordAuditEvent({
      action: 'audit.verified',
      resourceType: 'audit_chain',
      resourceId: chain.chain,
      metadata: {
        intact: chain.intact,
        events: chain.events,
        head: chain.head ? `${chain.head.position}:${chain.head.hash}` : null,
        from: options.from?.toISOString() ?? null,
        to: options.to?.toISOString() ?? null,
        ...(chain.break && { break: { kind: chain.break.kind, position: chain.break.position } }),
      },
    }),
  );

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
