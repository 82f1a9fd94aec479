// The verifier as a user gets it: `npm pack` (which compiles it with tsc), the tarball extracted into an
// empty temporary directory far from this repository, its bin run with plain `node` (no tsx, no
// node_modules on the path), on a good bundle and on a tampered one.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildBundle } from './support/bundle-builder.ts';
import { newSigner } from './support/signing.ts';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(path.join(os.tmpdir(), 'skillhub-verify-packed-'));
let bin = '';

beforeAll(() => {
  execFileSync('npm', ['pack', '--pack-destination', dir], { cwd: packageDir, stdio: 'pipe' });
  const tarball = readdirSync(dir).find((name) => name.endsWith('.tgz'));
  if (!tarball) throw new Error('npm pack wrote no tarball');
  execFileSync('tar', ['-xzf', path.join(dir, tarball), '-C', dir]);
  bin = path.join(dir, 'package', 'dist', 'cli', 'bin.js');
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runPacked(...args: string[]) {
  // A bare environment: no NODE_OPTIONS (tsx's loader), no NODE_PATH; the working directory is the extracted package.
  const env = { PATH: process.env.PATH ?? '', HOME: dir };
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: path.join(dir, 'package'), env, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

it('ships compiled JavaScript and no source or test', () => {
  expect(existsSync(bin)).toBe(true);
  const files = readdirSync(path.join(dir, 'package'), { recursive: true }) as string[];
  expect(files.filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))).toEqual([]);
  expect(files.some((name) => name.startsWith('test'))).toBe(false);
  expect(existsSync(path.join(dir, 'package', 'node_modules'))).toBe(false);
});

it('verifies a good bundle and names the event of a tampered one', () => {
  const signer = newSigner('skillhub.test');
  const bundle = buildBundle(signer, 50);
  const good = path.join(dir, 'good.jsonl');
  writeFileSync(good, `${bundle.lines.join('\n')}\n`);
  const ok = runPacked(good, '--key', signer.vkey);
  expect(ok.stderr).toBe('');
  expect(ok.code).toBe(0);
  expect(ok.stdout).toMatch(/^OK .*: 50 events checked against the signed tree of 50 leaves \(complete\)/);

  const lines = [...bundle.lines];
  const victim = JSON.parse(lines[31] as string);
  victim.canonical = victim.canonical.replace('"skill.updated"', '"skill.viewed"');
  lines[31] = JSON.stringify(victim);
  const tampered = path.join(dir, 'tampered.jsonl');
  writeFileSync(tampered, `${lines.join('\n')}\n`);
  const bad = runPacked(tampered, '--key', signer.vkey);
  expect(bad.code).toBe(1);
  expect(bad.stdout).toContain(`edited: leaf 30, event ${bundle.events[30]?.id}, line 32:`);

  // The same on two worker threads, which load the compiled worker module from the tarball.
  const okThreads = runPacked(good, '--key', signer.vkey, '--threads', '2');
  expect({ code: okThreads.code, stderr: okThreads.stderr }).toEqual({ code: 0, stderr: '' });
  expect(okThreads.stdout).toMatch(/^OK .*: 50 events checked/);
  const badThreads = runPacked(tampered, '--key', signer.vkey, '--threads', '2');
  expect(badThreads.code).toBe(1);
  expect(badThreads.stdout).toContain(`edited: leaf 30, event ${bundle.events[30]?.id}, line 32:`);

  const wrongKey = runPacked(good, '--key', newSigner('skillhub.test').vkey, '--json');
  expect(wrongKey.code).toBe(1);
  expect(JSON.parse(wrongKey.stdout)).toMatchObject({ ok: false, problems: [{ kind: 'unknown-key' }] });

  const usage = runPacked(good);
  expect(usage.code).toBe(2);
  expect(usage.stderr.trim().split('\n')).toHaveLength(1);
});
