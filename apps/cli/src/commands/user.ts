import { type UserRole, userRoles } from '@skillhub/db';
import { type Command, Option } from 'commander';
import { out } from '../output/out.ts';
import { cliActor } from '../runtime/cli-actor.ts';
import { parseDisplayName, parseEmail } from '../runtime/parse-options.ts';
import { readSecretFromStdin } from '../runtime/read-secret.ts';
import { withRuntimeDatabase } from '../runtime/runtime-session.ts';
import { tenantBySlug } from '../runtime/tenant-by-slug.ts';

interface CreateUserOptions {
  tenant: string;
  email: string;
  name: string;
  role: UserRole;
  passwordStdin?: boolean;
}

/** `skillhub user create`: the first owner of a workspace (or any user), through the API's own use case. */
export function registerUser(program: Command): void {
  const user = program.command('user').description('add users to a tenant');
  user
    .command('create')
    .description('add a user to a tenant, such as its first owner; prints a generated password once')
    .requiredOption('--tenant <slug>', 'the tenant (workspace) the user joins')
    .requiredOption('--email <email>', 'sign-in email', parseEmail)
    .requiredOption('--name <name>', 'display name', parseDisplayName)
    .addOption(new Option('--role <role>', 'role').choices(userRoles).default('owner'))
    .option('--password-stdin', 'read the password from standard input instead of generating a strong one')
    .action(async (options: CreateUserOptions) => {
      const { inviteUser, maxPasswordLength, minPasswordLength } = await import('@skillhub/core');
      const password = options.passwordStdin ? await readSecretFromStdin('password') : undefined;
      if (password !== undefined && (password.length < minPasswordLength || password.length > maxPasswordLength)) {
        throw new Error(`the password must be ${minPasswordLength} to ${maxPasswordLength} characters long`);
      }
      const { user, temporaryPassword } = await withRuntimeDatabase(async (db) => {
        const tenant = await tenantBySlug(db, options.tenant);
        // As an owner would: only an owner may add an owner. Audited as user.invited, actor cli.
        return db.withTenant(tenant.id, cliActor(), (tx) =>
          inviteUser(tx, 'owner', { email: options.email, displayName: options.name, role: options.role, password }),
        );
      });
      out(`created ${user.role} ${user.email} (${user.id}) in ${options.tenant}`);
      if (password === undefined) out(`password: ${temporaryPassword}  (shown once: store it or pass it on now)`);
    });
}
