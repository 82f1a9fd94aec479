import { readFile, rename, writeFile } from 'node:fs/promises';
import {
  assertSigningKey,
  checkSignedChainHead,
  type Database,
  recordAuditEvent,
  type SignedChainHead,
  signChainHead,
} from '@skillhub/db';
import type { Command } from 'commander';
import { cliActor } from '../runtime/cli-actor.ts';
import { withRuntimeDatabase } from '../runtime/runtime-session.ts';
import { sealAndVerify } from '../runtime/seal-and-verify.ts';
import { tenantBySlug } from '../runtime/tenant-by-slug.ts';

/** Reads a file the user named, failing with one line that says which option it came from. */
export async function readNamedFile(path: string, option: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${option} ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
}

/** Reads a signed head and checks its signature against the trusted public key; throws one line if either fails. */
export async function readSignedHead(headPath: string, publicKeyPath: string): Promise<SignedChainHead> {
  const [text, publicKey] = await Promise.all([
    readNamedFile(headPath, 'signed head'),
    readNamedFile(publicKeyPath, '--public-key'),
  ]);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new Error(`${headPath} is not JSON`);
  }
  const check = checkSignedChainHead(document, publicKey);
  if (!check.valid) throw new Error(`signed head ${headPath} is not valid: ${check.reason}`);
  return check.head;
}

/**
 * `skillhub audit sign-head` and `skillhub audit check-head`: an Ed25519
 * signature over a verified chain head, to keep outside the database and
 * check anywhere; `audit verify --signed-head` then proves nothing before it
 * was rewritten or cut.
 */
export function registerAuditSignedHead(audit: Command): void {
  audit
    .command('sign-head')
    .description("seal and verify one tenant's chain, then sign its head with an Ed25519 key")
    .requiredOption('--tenant <slug>', 'the tenant whose chain to sign')
    .requiredOption('--key <file>', 'Ed25519 private key (PEM), e.g. from: openssl genpkey -algorithm ed25519')
    .option('--out <file>', 'write the signed head here (default: standard output)')
    .action(async (options: { tenant: string; key: string; out?: string }) => {
      const privateKey = await readNamedFile(options.key, '--key');
      assertSigningKey(privateKey);
      const signed = await withRuntimeDatabase((db, database) => signHead(db, database.ownerUrl, options, privateKey));
      const json = `${JSON.stringify(signed, null, 2)}\n`;
      if (!options.out) {
        process.stdout.write(json);
        return;
      }
      // Written aside, then renamed: a reader never finds half a head.
      try {
        await writeFile(`${options.out}.partial`, json);
        await rename(`${options.out}.partial`, options.out);
      } catch (error) {
        throw new Error(`cannot write ${options.out}: ${(error as NodeJS.ErrnoException).code ?? 'write failed'}`);
      }
      process.stdout.write(
        `${options.tenant}: signed head ${signed.position}:${signed.hash} written to ${options.out}\n`,
      );
    });

  audit
    .command('check-head')
    .description('check the signature of a signed head with a public key; needs no database')
    .argument('<file>', 'a signed head written by audit sign-head')
    .requiredOption('--public-key <file>', 'the Ed25519 public key (PEM) you trust for it')
    .action(async (file: string, options: { publicKey: string }) => {
      const head = await readSignedHead(file, options.publicKey);
      process.stdout.write(
        `valid: chain ${head.chain || 'system'}, position ${head.position}, hash ${head.hash}, signed ${head.signedAt}\n`,
      );
    });
}

async function signHead(
  db: Database,
  ownerUrl: string,
  options: { tenant: string },
  privateKey: string,
): Promise<SignedChainHead> {
  const tenant = await tenantBySlug(db, options.tenant);
  const [chain] = (await sealAndVerify(db, ownerUrl, { tenantId: tenant.id })).chains;
  if (!chain?.intact) {
    throw new Error(`${options.tenant}: the chain is BROKEN (${chain?.break?.kind ?? 'unknown'}); nothing was signed`);
  }
  if (!chain.head) throw new Error(`${options.tenant}: the chain has no sealed events yet; nothing to sign`);
  const signed = signChainHead(tenant.id, chain.head, privateKey);
  await db.withTenant(tenant.id, cliActor(), () =>
    recordAuditEvent({
      action: 'audit.head_signed',
      resourceType: 'audit_chain',
      resourceId: tenant.id,
      metadata: { head: `${signed.position}:${signed.hash}`, publicKey: signed.publicKey },
    }),
  );
  return signed;
}
