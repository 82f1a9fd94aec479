// Plants a violation of each architecture rule in a uniquely named file, runs
// the real checker on just that file, and checks that it fails naming the rule
// and the file. A rule that no test ever saw fail is not a rule.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const depcruise = path.join(repo, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const planted: string[] = [];

/** A fresh path `<folder>/__planted_<random>.ts`, removed after the test whatever happens. */
function plantedPath(folder: string): string {
  const file = `${folder}/__planted_${randomBytes(6).toString('hex')}.ts`;
  planted.push(file);
  return file;
}

function plant(folder: string, source: string): string {
  const file = plantedPath(folder);
  writeFileSync(path.join(repo, file), source);
  return file;
}

function removePlanted(): void {
  for (const file of planted.splice(0)) rmSync(path.join(repo, file), { force: true });
}
afterEach(removePlanted);

function run(script: string, args: string[]): { code: number | null; output: string } {
  const result = spawnSync(process.execPath, [script, ...args], { cwd: repo, encoding: 'utf8' });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

const cruise = (...paths: string[]) =>
  run(depcruise, [...paths, '--config', '.dependency-cruiser.cjs', '--output-type', 'err-long']);
const checkNames = (...paths: string[]) => run('scripts/check-tenant-context-names.mjs', paths);

// The planted sources name the driver through constants, so this file itself imports no driver, even as text.
const driver = ['p', 'g'].join('');
const drizzleDriver = ['drizzle-orm', 'node-postgres'].join('/');

// The current tree first, before anything is planted.
test('the current tree passes every rule', () => {
  const graph = cruise('packages', 'apps', 'bench', 'scripts');
  expect(graph.output).not.toContain('error ');
  expect(graph.code).toBe(0);
  const names = checkNames();
  expect(names.output).not.toContain('error ');
  expect(names.code).toBe(0);
});

const importViolations: [rule: string, folder: string, source: string][] = [
  ['db-driver-only-in-packages-db', 'packages/core/src', `import pg from '${driver}';\nexport const { Pool } = pg;`],
  ['db-driver-only-in-packages-db', 'apps/api/src', `export const pg = await import('${driver}');`],
  [
    'db-driver-only-in-packages-db',
    'bench/lib',
    `import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\nexport const pg = require('${driver}');`,
  ],
  ['db-driver-only-in-packages-db', 'apps/cli/src', `export { drizzle } from '${drizzleDriver}';`],
  ['db-imports-no-other-workspace', 'packages/db/src', "export type { RequestAuth } from '@skillhub/api';"],
  ['core-knows-no-http', 'packages/core/src', "export type { Context } from 'hono';"],
  ['console-talks-http-only', 'apps/console/src', "export type { Database } from '@skillhub/db';"],
  ['console-talks-http-only', 'apps/console/src', "export * from '../../cli/src/output/table.ts';"],
  ['console-talks-http-only', 'apps/console/src', "export { nodeHasher } from '@skillhub/verify';"],
  ['verifier-stands-alone', 'packages/verifier/src', "export type { Database } from '@skillhub/db';"],
  ['verifier-stands-alone', 'packages/verifier/src', "export { z } from 'zod';"],
  ['verifier-tests-use-no-workspace', 'packages/verifier/test', "export type { Database } from '@skillhub/db';"],
  ['apps-never-use-bench-door', 'apps/cli/src', "export { openRawPool } from '@skillhub/db/bench';"],
  ['cli-uses-api-only-to-serve', 'apps/cli/src/commands', "export const api = await import('@skillhub/api');"],
  ['bench-uses-api-only-in-bench-api', 'bench/lib', "export type { RequestAuth } from '@skillhub/api';"],
];
const cycles: [rule: string, folderA: string, folderB: string][] = [
  ['no-cycle-between-packages', 'packages/core/src', 'apps/api/src'],
  ['no-cycle-inside-a-package', 'packages/db/src', 'packages/db/src'],
];

// Every violation is planted in a file of its own and the checker runs once
// over all of them: one start of dependency-cruiser instead of one per rule
// (it resolves the same graph each time). Each test then looks for its own
// rule named against its own file.
describe('each rule fails on a violation planted for it', () => {
  const plantedImports: string[] = [];
  const plantedCycles: [string, string][] = [];
  let report: { code: number | null; output: string };

  beforeAll(() => {
    for (const [, folder, source] of importViolations) plantedImports.push(plant(folder, source));
    for (const [, folderA, folderB] of cycles) {
      const [a, b] = [plantedPath(folderA), plantedPath(folderB)];
      const reexport = (from: string, to: string) => {
        const relative = path.posix.relative(path.posix.dirname(from), to);
        return `export * from '${relative.startsWith('../') ? relative : `./${relative}`}';\n`;
      };
      writeFileSync(path.join(repo, a), reexport(a, b));
      writeFileSync(path.join(repo, b), reexport(b, a));
      plantedCycles.push([a, b]);
    }
    try {
      report = cruise(...plantedImports, ...plantedCycles.flat());
    } finally {
      removePlanted();
    }
  });

  test.each(
    importViolations.map(([rule, folder], i) => [rule, folder, i] as const),
  )('%s catches %s/__planted_*.ts', (rule, _folder, i) => {
    expect(report.code).not.toBe(0);
    expect(report.output).toContain(`error ${rule}: ${plantedImports[i]} →`);
  });

  test.each(
    cycles.map(([rule, folderA, folderB], i) => [rule, folderA, folderB, i] as const),
  )('%s catches %s <-> %s', (rule, _folderA, _folderB, i) => {
    const [a, b] = plantedCycles[i] ?? ['', ''];
    expect(report.code).not.toBe(0);
    // A cycle is reported once, starting from either of its files.
    expect(report.output).toMatch(new RegExp(`error ${rule}: (${a} →\\s+${b}|${b} →\\s+${a}) →`));
  });
});

test.each(['apps/api/src', 'packages/core/src'])('tenant-context-names-only-in-db catches %s', (folder) => {
  const file = plant(folder, "export const setContext = `select set_config('app.current_tenant_id', $1, true)`;\n");
  const { code, output } = checkNames(file);
  expect(code).toBe(1);
  expect(output).toContain(`error tenant-context-names-only-in-db: ${file}:1:`);
});

test('tenant-context-names-only-in-db leaves packages/db alone', () => {
  const file = plant(
    'packages/db/src',
    "export const setContext = `select set_config('app.current_tenant_id', $1, true)`;\n",
  );
  expect(checkNames(file).code).toBe(0);
});
