import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { recordAuditEvent, systemActor } from '@skillhub/db';
import { createTestDatabase, type TestDatabase } from '@skillhub/db/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { envFor, runCli } from './support/run-cli.ts';

let testDb: TestDatabase;
let tenantId: string;
let dir: string;
const file = (name: string) => path.join(dir, name);

const writeKeyPair = async (name: string) => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  await writeFile(file(`${name}.pem`), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  await writeFile(file(`${name}.pub.pem`), publicKey.export({ type: 'spki', format: 'pem' }));
};

beforeAll(async () => {
  testDb = await createTestDatabase();
  const db = await testDb.openApp();
  tenantId = (await db.platform.createTenant({ name: 'Acme', slug: 'acme' }, systemActor('test'))).id;
  await db.platform.createTenant({ name: 'Globex', slug: 'globex' }, systemActor('test'));
  // Some history in acme's chain for the signed head to cover.
  for (const action of ['settings.updated', 'skill.created', 'skill.deleted'] as const) {
    await db.withTenant(tenantId, systemActor('test'), () => recordAuditEvent({ action }));
  }
  await db.close();
  dir = await mkdtemp(path.join(os.tmpdir(), 'skillhub-signed-head-'));
  await writeKeyPair('signer');
  await writeKeyPair('stranger');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await testDb.drop();
});

test('a signed head checks with its public key, fails with any other or once edited, and catches a cut history', async () => {
  const signed = await runCli(
    ['audit', 'sign-head', '--tenant', 'acme', '--key', file('signer.pem'), '--out', file('head.json')],
    envFor(testDb),
  );
  expect(signed.stderr).toBe('');
  expect(signed.stdout).toMatch(/^acme: signed head \d+:[0-9a-f]{64} written to /);
  expect(signed.code).toBe(0);
  const head = JSON.parse(await readFile(file('head.json'), 'utf8'));
  expect(head).toMatchObject({ format: 'skillhub-audit-head/v1', chain: tenantId });
  expect(head.position).toBeGreaterThanOrEqual(4);

  const checked = await runCli(['audit', 'check-head', file('head.json'), '--public-key', file('signer.pub.pem')]);
  expect(checked.stdout).toBe(
    `valid: chain ${tenantId}, position ${head.position}, hash ${head.hash}, signed ${head.signedAt}\n`,
  );
  expect(checked.code).toBe(0);

  const stranger = await runCli(['audit', 'check-head', file('head.json'), '--public-key', file('stranger.pub.pem')]);
  expect(stranger.stderr).toMatch(/^skillhub: signed head .* is not valid: the signature does not match/);
  expect(stranger.code).toBe(1);

  await writeFile(file('edited.json'), JSON.stringify({ ...head, position: head.position + 1 }));
  const edited = await runCli(['audit', 'check-head', file('edited.json'), '--public-key', file('signer.pub.pem')]);
  expect(edited.stderr).toMatch(/is not valid: the signature does not match/);
  expect(edited.code).toBe(1);

  const verify = ['audit', 'verify', '--tenant', 'acme', '--signed-head', file('head.json')];
  const intact = await runCli([...verify, '--public-key', file('signer.pub.pem')], envFor(testDb));
  expect(intact.stdout).toMatch(/^acme: intact: /m);
  expect(intact.code).toBe(0);
  const otherChain = await runCli(
    [
      'audit',
      'verify',
      '--tenant',
      'globex',
      '--signed-head',
      file('head.json'),
      '--public-key',
      file('signer.pub.pem'),
    ],
    envFor(testDb),
  );
  expect(otherChain.stderr).toMatch(/belongs to another chain than globex's/);
  expect(otherChain.code).toBe(1);

  // A superuser cuts the signed history back to its first event, seals included: nothing inside the
  // database shows it any more, but the signed head does.
  await testDb.ownerQuery(
    `begin;
     set local session_replication_role = replica;
     delete from audit_logs where id in (select event_id from audit.seals where chain = '${tenantId}' and position > 1);
     delete from audit.seals where chain = '${tenantId}' and position > 1;
     commit;`,
  );
  const cut = await runCli([...verify, '--public-key', file('signer.pub.pem')], envFor(testDb));
  expect(cut.stdout).toMatch(/^acme: BROKEN at position \d+: truncated/m);
  expect(cut.code).toBe(1);
});

test('bad keys, missing files and a head with a time window are refused in one line', async () => {
  await writeFile(file('garbage.pem'), 'not a key');
  const run = await runCli(['audit', 'sign-head', '--tenant', 'acme', '--key', file('garbage.pem')], envFor(testDb));
  expect(run.stderr).toBe('skillhub: the private key is not a PEM key\n');
  expect(run.code).toBe(1);
  // A head pins the whole chain: a time window would leave it unchecked, so the two are refused together.
  const windowed = await runCli(
    ['audit', 'verify', '--tenant', 'acme', '--head', `1:${'a'.repeat(64)}`, '--from', '2026-01-01'],
    envFor(testDb),
  );
  expect(windowed.stderr).toBe('skillhub: --head is checked against the whole chain: drop --from and --to\n');
  expect(windowed.code).toBe(1);
  const missing = await runCli(['audit', 'check-head', file('nothing.json'), '--public-key', file('signer.pub.pem')]);
  expect(missing.stderr).toMatch(/^skillhub: cannot read signed head .*nothing\.json: ENOENT\n$/);
  expect(missing.code).toBe(1);
});
