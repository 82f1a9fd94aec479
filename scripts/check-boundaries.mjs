// Fails when code outside packages/db reaches PostgreSQL directly: only the
// foundation may import `pg` or Drizzle's node-postgres driver, in apps/ and
// bench/ alike. Benchmarks get their raw connections (owner-side setup, the
// no-RLS baselines) from `@skillhub/db/bench`, which nothing in apps/ may
// import. Also fails when the console's source imports server code
// (@skillhub/*, or a path outside apps/console).
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

const roots = ['apps', 'bench'];
const forbidden =
  /from\s+['"](pg|pg-pool|pg-cursor|postgres|drizzle-orm\/node-postgres[^'"]*)['"]|require\(\s*['"]pg['"]\s*\)/;
const sourceFile = /\.(ts|tsx|js|mjs|cjs)$/;

async function* walk(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else if (sourceFile.test(entry.name)) yield full;
  }
}

const violations = [];
for (const root of roots) {
  for await (const file of walk(root)) {
    const lines = (await readFile(file, 'utf8')).split('\n');
    lines.forEach((line, i) => {
      const rawDoor = root === 'apps' && /from\s+['"]@skillhub\/db\/bench['"]/.test(line);
      if (forbidden.test(line) || rawDoor) violations.push(`${file}:${i + 1}: ${line.trim()}`);
    });
  }
}
// The console is a browser app: it reaches the server over HTTP only.
const consoleRoot = path.resolve('apps/console');
for await (const file of walk('apps/console/src')) {
  const lines = (await readFile(file, 'utf8')).split('\n');
  lines.forEach((line, i) => {
    const specifier = line.match(/(?:from|import)\s+['"]([^'"]+)['"]/)?.[1];
    if (!specifier) return;
    const outside =
      specifier.startsWith('.') && !path.resolve(path.dirname(file), specifier).startsWith(`${consoleRoot}${path.sep}`);
    if (specifier.startsWith('@skillhub/') || outside) violations.push(`${file}:${i + 1}: ${line.trim()}`);
  });
}
for (const pkg of await readdir('apps')) {
  const manifest = JSON.parse(await readFile(path.join('apps', pkg, 'package.json'), 'utf8'));
  for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.devDependencies })) {
    if (['pg', 'postgres', 'pg-pool'].includes(dep)) violations.push(`apps/${pkg}/package.json depends on ${dep}`);
  }
}
if (violations.length > 0) {
  console.error(
    `Only packages/db may talk to PostgreSQL directly, and the console only to the API over HTTP:\n${violations.join('\n')}`,
  );
  process.exit(1);
}
console.log(
  "boundaries ok: nothing outside packages/db imports a PostgreSQL driver, nothing in apps/ the benchmarks' raw door; the console imports no server code",
);
