// Fails when code outside packages/db (and bench/) names the tenant context:
// `set_config` or `app.current_tenant_id`. Setting the context is withTenant's
// job alone; an app or use case that names it is setting or reading tenant
// state behind the foundation's back. A text rule, because dependency-cruiser
// sees imports, not SQL strings. Part of `npm run lint`.
//
// Usage: node scripts/check-tenant-context-names.mjs [file or folder...]
// (relative to the repository root; default: apps and packages/core; files
// outside those two are ignored).
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const rule = 'tenant-context-names-only-in-db';
const repo = fileURLToPath(new URL('..', import.meta.url));
const scope = ['apps', 'packages/core'];
const names = /set_config|app\.current_tenant_id/;
const sourceFile = /\.(ts|tsx|js|mjs|cjs)$/;
const skippedFolders = new Set(['node_modules', 'dist', '.skillhub']);
// The doctor test breaks a policy as the owner (DDL that must name the
// setting) to prove `skillhub doctor` notices; it sets no tenant context.
const allowed = new Set(['apps/cli/test/doctor.test.ts']);

async function* walk(file) {
  if (!(await stat(file)).isDirectory()) {
    if (sourceFile.test(file)) yield file;
    return;
  }
  for (const entry of await readdir(file, { withFileTypes: true })) {
    if (!skippedFolders.has(entry.name)) yield* walk(path.join(file, entry.name));
  }
}

const inScope = (relative) => scope.some((folder) => relative === folder || relative.startsWith(`${folder}/`));
const roots = process.argv.length > 2 ? process.argv.slice(2) : scope;
const violations = [];
for (const root of roots) {
  for await (const file of walk(path.resolve(repo, root))) {
    const relative = path.relative(repo, file).split(path.sep).join('/');
    if (!inScope(relative) || allowed.has(relative)) continue;
    const lines = (await readFile(file, 'utf8')).split('\n');
    lines.forEach((line, i) => {
      if (names.test(line)) violations.push(`  error ${rule}: ${relative}:${i + 1}: ${line.trim()}`);
    });
  }
}
if (violations.length > 0) {
  console.error(
    `${violations.join('\n')}\n\nOnly packages/db (withTenant) and bench/ may name set_config or app.current_tenant_id:` +
      ' go through db.withTenant() instead.',
  );
  process.exit(1);
}
console.log(`${rule}: ok (${scope.join(', ')} name no set_config or app.current_tenant_id)`);
