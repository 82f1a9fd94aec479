import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '@skillhub/api';
import { createApiKey, createMailDispatcher, loadConfig } from '@skillhub/core';
import { type Database, recordAuditEvent, systemActor } from '@skillhub/db';
import { createTestDatabase, type TestDatabase } from '@skillhub/db/testing';
import pino from 'pino';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { trailOf } from './support/audit-trail.ts';
import { type CliRun, envFor, runCli } from './support/run-cli.ts';

let testDb: TestDatabase;
let db: Database;
let tenantId: string;
let auditKey: string;
let outDir: string;
let range: { from: string; to: string };
const runs = new Map<string, CliRun>();
const expectedActions = ['tenant.create', 'settings.updated', 'api_keys.insert', 'api_key.created'].sort();

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await testDb.openApp();
  outDir = await mkdtemp(path.join(os.tmpdir(), 'skillhub-export-'));
  const from = new Date(Date.now() - 60_000).toISOString();
  tenantId = (await db.platform.createTenant({ name: 'Acme', slug: 'acme' }, systemActor('test'))).id;
  auditKey = await db.withTenant(tenantId, systemActor('test'), async (tx) => {
    // Text that CSV must quote, and that a spreadsheet would run as a formula.
    await recordAuditEvent({
      action: 'settings.updated',
      resourceType: 'site_settings',
      metadata: { displayName: 'Acme, "the" company\nand =SUM(A1)' },
    });
    return (await createApiKey(tx, { name: 'siem', scopes: ['audit:read'], createdBy: null })).key;
  });
  // A closed range: the exports' own records come later and fall outside it, so every run sees the same events.
  range = { from, to: new Date(Date.now() + 1).toISOString() };
  const targets: [string, string[]][] = [
    ['jsonl', []],
    ['csv', ['--out', path.join(outDir, 'acme.csv')]],
    ['ocsf', ['--out', path.join(outDir, 'acme.ocsf.json')]],
  ];
  for (const [format, out] of targets) {
    const args = ['audit', 'export', '--tenant', 'acme', '--format', format, '--from', range.from, '--to', range.to];
    runs.set(format, await runCli([...args, ...out], envFor(testDb)));
  }
});
afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
  await testDb.drop();
});

/** The same export through the HTTP route, with an audit:read key. */
async function httpExport(format: string): Promise<string> {
  const [logger, config] = [pino({ level: 'silent' }), loadConfig({})];
  const app = createApp({ db, logger, config, mail: createMailDispatcher(config, logger) });
  const query = new URLSearchParams({ format, ...range });
  const response = await app.request(`/audit/export?${query}`, { headers: { authorization: `Bearer ${auditKey}` } });
  expect(response.status).toBe(200);
  return response.text();
}

const ranCleanly = (format: string, to: string) => {
  const run = runs.get(format);
  expect(run?.stderr).toBe(`exported 4 audit events of acme (${range.from} to ${range.to}) as ${format}${to}\n`);
  expect(run?.code).toBe(0);
  return run?.stdout ?? '';
};

test('jsonl streams to stdout, one event per line, byte for byte what GET /audit/export sends', async () => {
  const stdout = ranCleanly('jsonl', '');
  const events = stdout
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as { action: string; tenantId: string });
  expect(events.map((e) => e.action).sort()).toEqual(expectedActions);
  expect(events.every((e) => e.tenantId === tenantId)).toBe(true);
  expect(stdout).toBe(await httpExport('jsonl'));
});

test('csv goes to --out with a header and one row per event, quoted, as the route sends it', async () => {
  expect(ranCleanly('csv', ` to ${path.join(outDir, 'acme.csv')}`)).toBe('');
  const csv = await readFile(path.join(outDir, 'acme.csv'), 'utf8');
  const [header, ...rows] = csv.trimEnd().split('\r\n');
  expect(header).toMatch(/^id,created_at,tenant_id,actor_type,actor_id,action,/);
  expect(rows).toHaveLength(4);
  expect(csv).toContain('"{""displayName"":""Acme, \\""the\\"" company\\nand =SUM(A1)""}"');
  expect(csv).toBe(await httpExport('csv'));
});

test('ocsf goes to --out as one JSON array of OCSF events with their class, as the route sends it', async () => {
  ranCleanly('ocsf', ` to ${path.join(outDir, 'acme.ocsf.json')}`);
  const text = await readFile(path.join(outDir, 'acme.ocsf.json'), 'utf8');
  const events = JSON.parse(text) as { class_uid: number; metadata: { tenant_uid: string; version: string } }[];
  expect(events).toHaveLength(4);
  for (const event of events) {
    expect([3001, 3002, 6003]).toContain(event.class_uid);
    expect(event.metadata).toMatchObject({ tenant_uid: tenantId, version: '1.1.0' });
  }
  expect(text).toBe(await httpExport('ocsf'));
});

test('each export is on record before it is written: a data_export security event and a sealed audit.exported', async () => {
  const security = await testDb.ownerQuery<{ details: { format: string; what: string } }>(
    `select details from security_events where tenant_id = $1 and event_type = 'data_export' order by created_at`,
    [tenantId],
  );
  // Three from the CLI, then the route's from the comparisons above.
  expect(security.rows.slice(0, 3).map((r) => r.details)).toEqual(
    ['jsonl', 'csv', 'ocsf'].map((format) => expect.objectContaining({ what: 'audit_events', format })),
  );
  const trail = await trailOf(testDb, tenantId, ['audit.exported']);
  expect(trail.slice(0, 3)).toEqual(
    ['jsonl', 'csv', 'ocsf'].map((format) =>
      expect.objectContaining({ actor_id: 'cli', metadata: expect.objectContaining({ format }), sealed: true }),
    ),
  );
});
