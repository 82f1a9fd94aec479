import type { ApiKeyScope } from '@skillhub/core';
import { and, eq, sameTenant, type TenantTx, users } from '@skillhub/db';
import { type Command, Option } from 'commander';
import { out } from '../output/out.ts';
import { cliActor } from '../runtime/cli-actor.ts';
import { parseEmail, parseList, parsePositiveInteger, parseUuid } from '../runtime/parse-options.ts';
import { withRuntimeDatabase } from '../runtime/runtime-session.ts';
import { tenantBySlug } from '../runtime/tenant-by-slug.ts';

interface CreateKeyOptions {
  tenant: string;
  name: string;
  scopes: string[];
  createdBy?: string;
  expiresInDays?: number;
}

interface RevokeKeyOptions {
  tenant: string;
  id?: string;
  prefix?: string;
}

/** `skillhub key create|revoke`: API keys, through the API's own use cases (each audited, actor cli). */
export function registerKey(program: Command): void {
  const key = program.command('key').description('create and revoke API keys');
  key
    .command('create')
    .description('create an API key; prints the key once')
    .requiredOption('--tenant <slug>', 'the tenant the key acts in')
    .requiredOption('--name <name>', 'what the key is for, e.g. "CI pipeline"')
    .requiredOption('--scopes <list>', 'comma-separated: skills:read, skills:write, usage:write, audit:read', parseList)
    .option('--created-by <email>', 'the user the key is made for (default: nobody, the CLI)', parseEmail)
    .option(
      '--expires-in-days <days>',
      'refuse the key from this many days on (default: until revoked)',
      parsePositiveInteger,
    )
    .action(async (options: CreateKeyOptions) => {
      const { apiKeyScopes, createApiKey, maxApiKeyDays } = await import('@skillhub/core');
      if (options.expiresInDays !== undefined && options.expiresInDays > maxApiKeyDays) {
        throw new Error(`a key expires after at most ${maxApiKeyDays} days`);
      }
      const scopes = options.scopes.map((scope) => {
        if (!(apiKeyScopes as readonly string[]).includes(scope))
          throw new Error(`unknown scope "${scope}": choose from ${apiKeyScopes.join(', ')}`);
        return scope as ApiKeyScope;
      });
      const name = options.name.trim();
      if (name.length < 1 || name.length > 100) throw new Error('the key name must be 1 to 100 characters long');
      const created = await withRuntimeDatabase(async (db) => {
        const tenant = await tenantBySlug(db, options.tenant);
        return db.withTenant(tenant.id, cliActor(), async (tx) => {
          const createdBy = options.createdBy ? await userIdByEmail(tx, options.createdBy, options.tenant) : null;
          return createApiKey(tx, { name, scopes, createdBy, expiresInDays: options.expiresInDays });
        });
      });
      out(`created API key "${created.name}" (${created.id}) in ${options.tenant}, prefix ${created.prefix}`);
      out(`scopes: ${created.scopes.join(', ')}`);
      out(`expires: ${created.expiresAt ? created.expiresAt.toISOString() : 'never (until revoked)'}`);
      out(`key: ${created.key}  (shown once: store it now)`);
    });
  key
    .command('revoke')
    .description('revoke an API key, named by its id or its prefix')
    .requiredOption('--tenant <slug>', 'the tenant the key belongs to')
    .addOption(new Option('--id <uuid>', 'the key id').argParser(parseUuid).conflicts('prefix'))
    .addOption(new Option('--prefix <prefix>', 'the prefix shown in key listings (sk_<prefix>_...)'))
    .action(async (options: RevokeKeyOptions) => {
      if (!options.id && !options.prefix) throw new Error('name the key to revoke with --id or --prefix');
      const { AppError, listApiKeys, revokeApiKey } = await import('@skillhub/core');
      const { revoked, wasRevoked } = await withRuntimeDatabase(async (db) => {
        const tenant = await tenantBySlug(db, options.tenant);
        return db.withTenant(tenant.id, cliActor(), async (tx) => {
          const keys = await listApiKeys(tx);
          const prefix = options.prefix?.replace(/^sk_/, '');
          const found = keys.find((k) => (options.id ? k.id === options.id : k.prefix === prefix));
          if (!found)
            throw new AppError('NOT_FOUND', `no API key of ${options.tenant} has that ${options.id ? 'id' : 'prefix'}`);
          return { revoked: await revokeApiKey(tx, found.id), wasRevoked: found.revokedAt !== null };
        });
      });
      out(
        wasRevoked
          ? `API key "${revoked?.name}" (${revoked?.id}) was already revoked`
          : `revoked API key "${revoked?.name}" (${revoked?.id}) in ${options.tenant}`,
      );
    });
}

/** The id of the tenant's user with this email (the transaction's row policy keeps it to the tenant). */
async function userIdByEmail(tx: TenantTx, email: string, slug: string): Promise<string> {
  const [user] = await tx
    .select({ id: users.id })
    .from(users)
    .where(and(sameTenant(users.tenantId), eq(users.email, email)));
  if (!user) throw new Error(`${slug} has no user with the email ${email}`);
  return user.id;
}
