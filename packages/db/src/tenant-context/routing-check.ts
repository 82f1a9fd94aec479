import { DbError } from '../errors.ts';
import { tenantTableNames } from '../schema/index.ts';

/**
 * A test-only check (`OpenDatabaseOptions.checkTenantRouting`) that every statement withTenant runs
 * names its tenant for each tenant table it scans, as `<table or alias>.tenant_id = $n` bound to the
 * transaction's tenant: on Citus that is what routes a statement to one shard (see same-tenant.ts).
 * It reads the SQL text, not a parse tree: a table after FROM, JOIN, UPDATE, DELETE FROM or USING,
 * with its alias, wants one such condition per mention. INSERTs and calls of functions need none.
 */
const tenantTables = [
  ...tenantTableNames,
  'user_sessions',
  'mfa_recovery_codes',
  'invitations',
  'audit_sinks',
  'audit_sink_cursors',
  'audit_sink_attempts',
  'audit_logs',
  'security_events',
  'security_event_tallies',
];

const tables = new Set<string>(tenantTables);
const notAliases = new Set(
  'where set on join left right inner full cross natural using returning order group limit offset for as union except intersect having window lateral'.split(
    ' ',
  ),
);
const mention = /\b(?:from|join|update|delete\s+from|using)\s+(?:"?(\w+)"?\.)?"?(\w+)"?(?:\s+(?:as\s+)?"?(\w+)"?)?/gi;

/** The text without comments and string literals, lower-cased, so neither can hide or fake a mention. */
const bare = (text: string): string =>
  text
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/'(?:[^']|'')*'/g, "''")
    .toLowerCase();

/** The tenant tables `text` scans without naming `tenantId` (aliases are `\w+`, safe in a pattern); empty when routed. */
export function unroutedMentions(text: string, values: readonly unknown[], tenantId: string): string[] {
  const sql = bare(text);
  const wanted = new Map<string, { table: string; count: number }>();
  for (const match of sql.matchAll(mention)) {
    const table = match[2] ?? '';
    if (!tables.has(table) || (match[1] && match[1] !== 'public')) continue;
    const alias = match[3] && !notAliases.has(match[3]) ? match[3] : table;
    const entry = wanted.get(alias) ?? { table, count: 0 };
    entry.count += 1;
    wanted.set(alias, entry);
  }
  const problems: string[] = [];
  for (const [alias, { table, count }] of wanted) {
    const condition = new RegExp(`(?<![\\w.])"?${alias}"?\\."?tenant_id"?\\s*=\\s*\\$(\\d+)`, 'g');
    let routed = 0;
    for (const found of sql.matchAll(condition)) {
      if (values[Number(found[1]) - 1] === tenantId) routed += 1;
    }
    if (routed < count) {
      problems.push(
        `${table}${alias === table ? '' : ` (as ${alias})`}: ${count} mention(s), ${routed} with ${alias}.tenant_id = $n bound to the tenant`,
      );
    }
  }
  return problems;
}

/** Throws when {@link unroutedMentions} finds any, naming the tables and the statement. */
export function assertTenantRouted(text: string, values: readonly unknown[], tenantId: string): void {
  const problems = unroutedMentions(text, values, tenantId);
  if (problems.length === 0) return;
  throw new DbError(
    'UNROUTED_TENANT_QUERY',
    `A statement inside withTenant scans a tenant table without naming the tenant (add sameTenant(...) for each; ` +
      `on Citus it would go to every shard): ${problems.join('; ')}. Statement: ${text.replace(/\s+/g, ' ').slice(0, 500)}`,
  );
}
