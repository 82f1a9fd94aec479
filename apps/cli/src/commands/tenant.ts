import type { Tenant } from '@skillhub/db';
import { OperatorDoor, tenants } from '@skillhub/db';
import { type Command, Option } from 'commander';
import { out } from '../output/out.ts';
import { formatTable } from '../output/table.ts';
import { cliActor } from '../runtime/cli-actor.ts';
import { withRuntimeDatabase } from '../runtime/runtime-session.ts';
import { tenantBySlug } from '../runtime/tenant-by-slug.ts';

/** `skillhub tenant create|list|deactivate|activate`, through the platform functions (each audited). */
export function registerTenant(program: Command): void {
  const tenant = program.command('tenant').description('create, list, deactivate and activate tenants');
  tenant
    .command('create')
    .description('create a tenant')
    .requiredOption('--name <name>', 'display name')
    .requiredOption('--slug <slug>', 'unique lower-case identifier (letters, digits, hyphens)')
    .option(
      '--domain <domain>',
      'email domain whose verified sign-ups may join this tenant (once its settings turn joining by domain on)',
    )
    .addOption(new Option('--plan <plan>', 'plan').choices(tenants.plan.enumValues).default('free'))
    .action(async (options: { name: string; slug: string; domain?: string; plan: Tenant['plan'] }) => {
      const created = await withRuntimeDatabase((db) => db.platform.createTenant(options, cliActor()), {
        migrate: true,
      });
      out(`created tenant ${created.slug} (${created.id}), plan ${created.plan}`);
    });
  tenant
    .command('list')
    .description('list every tenant')
    .action(async () => {
      const all = await withRuntimeDatabase(
        (_db, database) => OperatorDoor.use(database.ownerUrl, (door) => door.listTenants(cliActor())),
        { migrate: true },
      );
      const rows = all.map((t) => [
        t.slug,
        t.name,
        t.plan,
        t.isActive ? 'active' : 'inactive',
        t.domain ?? '',
        t.createdAt.toISOString().slice(0, 10),
        t.id,
      ]);
      process.stdout.write(formatTable(['slug', 'name', 'plan', 'status', 'domain', 'created', 'id'], rows));
    });
  for (const active of [false, true]) {
    const verb = active ? 'activate' : 'deactivate';
    tenant
      .command(`${verb} <slug>`)
      .description(active ? 'let a deactivated tenant sign in again' : 'stop a tenant from signing in')
      .action(async (slug: string) => {
        const changed = await withRuntimeDatabase(
          async (db, database) => {
            const { id } = await tenantBySlug(db, slug);
            return OperatorDoor.use(database.ownerUrl, (door) => door.setTenantActive(id, active, cliActor()));
          },
          { migrate: true },
        );
        out(`${verb}d tenant ${changed.slug}`);
      });
  }
}
