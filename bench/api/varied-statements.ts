import { type Database, sql, systemActor } from '@skillhub/db';

/** Enough transactions at once to hold every connection of the product's default pool (10). */
const connections = 10;

/**
 * Makes the product's pool look like a server's that has served varied traffic (`--varied-statements N`):
 * `distinct` different statements, each run five times on each pooled connection, as a deployment's many
 * routes and filters do over a day. Each is a small read of `skills` under the tenant's policies; the text
 * differs by a constant, so each is a statement of its own to the driver and to PostgreSQL.
 */
export async function runVariedStatements(db: Database, tenantId: string, distinct: number): Promise<void> {
  const actor = systemActor('bench varied statements');
  for (let round = 0; round < 5; round++) {
    await Promise.all(
      Array.from({ length: connections }, () =>
        db.withTenant(tenantId, actor, async (tx) => {
          for (let i = 0; i < distinct; i++) {
            await tx.execute(
              sql`select id, slug, name, description, tags, author_id, visibility, latest_version, rating_count,
                         rating_sum, created_at, updated_at
                  from skills where tenant_id = ${tenantId} and slug = ${`skill-${i}`} and ${sql.raw(String(i))} >= 0`,
            );
          }
        }),
      ),
    );
  }
}
