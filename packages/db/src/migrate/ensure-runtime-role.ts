import type pg from 'pg';
import { readRoleFacts, runtimeRoleProblems } from '../checks/runtime-role.ts';
import { DbError } from '../errors.ts';
import { runnerFor } from '../sql-runner.ts';

export interface RuntimeRoleSpec {
  name: string;
  password: string;
}

const roleNamePattern = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Creates the server's login role as a member of skillhub_app, or verifies
 * an existing one: never a superuser, never BYPASSRLS, owning nothing.
 */
export async function ensureRuntimeRole(
  client: pg.Client,
  spec: RuntimeRoleSpec,
): Promise<{ name: string; created: boolean }> {
  if (!roleNamePattern.test(spec.name)) {
    throw new DbError('INVALID_INPUT', `"${spec.name}" is not a usable role name (lower-case letters, digits, _)`);
  }
  const exists = await client.query('select 1 from pg_roles where rolname = $1', [spec.name]);
  const created = exists.rowCount === 0;
  if (created) {
    const quoted = await client.query<{ q: string }>('select quote_literal($1) as q', [spec.password]);
    await client.query(
      `create role ${spec.name} login password ${quoted.rows[0]?.q} nosuperuser nobypassrls nocreatedb nocreaterole`,
    );
  } else {
    const problems = runtimeRoleProblems(await readRoleFacts(runnerFor(client), spec.name));
    if (problems.length > 0) {
      throw new DbError('UNSAFE_RUNTIME_ROLE', `the runtime role is unsafe: ${problems.join('; ')}`);
    }
  }
  await client.query(`grant skillhub_app to ${spec.name}`);
  return { name: spec.name, created };
}
