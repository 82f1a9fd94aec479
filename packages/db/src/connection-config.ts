import { DbError } from './errors.ts';
import type { RuntimeRoleSpec } from './migrate/ensure-runtime-role.ts';

/** Reads the runtime role's name and password out of its connection string. */
export function runtimeRoleFromUrl(appUrl: string): RuntimeRoleSpec {
  let url: URL;
  try {
    url = new URL(appUrl);
  } catch {
    throw new DbError('INVALID_INPUT', 'APP_DATABASE_URL is not a valid postgres:// connection string');
  }
  const name = decodeURIComponent(url.username);
  if (!name)
    throw new DbError(
      'INVALID_INPUT',
      'APP_DATABASE_URL must name the runtime role (postgres://role:password@host/db)',
    );
  return { name, password: decodeURIComponent(url.password) };
}

/** The same server and database as `url`, logged in as another role. */
export function withCredentials(url: string, role: RuntimeRoleSpec): string {
  const copy = new URL(url);
  copy.username = encodeURIComponent(role.name);
  copy.password = encodeURIComponent(role.password);
  return copy.toString();
}

/** The same server and credentials as `url`, on another database. */
export function withDatabase(url: string, database: string): string {
  const copy = new URL(url);
  copy.pathname = `/${database}`;
  return copy.toString();
}
