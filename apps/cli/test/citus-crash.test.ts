// Crash atomicity on a converted Citus cluster (docs/citus.md, step 8): audited writes through `skillhub serve` on
// the coordinator, from concurrent clients in several workspaces, while a worker's postmaster is killed with
// SIGKILL and started again, and then the coordinator's. Afterwards every acknowledged write is there with its events, the ledger and the
// tables agree row for row, the server's own sealer has sealed everything, and every chain verifies; the
// server lived through it without a restart. Citus is not in Debian's archive, so this runs by hand
// (docs/citus-lab/README.md) on a database converted by lab files 1, 2, 7, 8 and 9, with the lab's directory:
//   CITUS_LEDGER_URL=postgres://<superuser>@<coordinator>/<db>
//   CITUS_LEDGER_APP_URL=postgres://<runtime role>:<password>@<coordinator>/<db>
//   CITUS_LAB_DIR=<the lab's LAB_DIR>
// and is skipped without them.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { readContextKey, verifyAuditChain } from '@skillhub/db';
import { crashPostmaster, findFreePort, type OwnerConnection, openOwnerConnection } from '@skillhub/db/testing';
import { afterAll, describe, expect, test } from 'vitest';
import { send } from './support/crash/http.ts';
import { compareLedgerWithTables, countLostWrites, countUnsealed } from './support/crash/ledger-checks.ts';
import { type ServerProcess, startServe } from './support/crash/server-process.ts';
import { waitFor } from './support/crash/wait-for.ts';
import { type LoadTenant, signUpTenant, startWriteLoad } from './support/crash/write-load.ts';

const ownerUrl = process.env.CITUS_LEDGER_URL;
const appUrl = process.env.CITUS_LEDGER_APP_URL;
const labDir = process.env.CITUS_LAB_DIR;
const labScript = fileURLToPath(new URL('../../../docs/citus-lab/lab.sh', import.meta.url));

const labUp = () => promisify(execFile)('bash', [labScript, 'up'], { env: { ...process.env, LAB_DIR: labDir } });

describe.skipIf(!ownerUrl || !appUrl || !labDir)('crash atomicity on a converted Citus cluster', () => {
  let server: ServerProcess | undefined;
  let owner: OwnerConnection | undefined;
  afterAll(async () => {
    await server?.stop();
    await owner?.close();
  });

  test('kill -9 of a worker, then of the coordinator, under concurrent audited writes: nothing acknowledged is lost, ledger and tables agree, chains verify', async () => {
    const started = performance.now();
    owner = openOwnerConnection(ownerUrl ?? '');
    let ownerQuery = owner.query;
    // The lab's home for this database (`lab.sh cli`): its keys opened the secrets the conversion sealed.
    const home = path.join(labDir ?? '', 'home', new URL(ownerUrl ?? '').pathname.slice(1));
    server = await startServe({
      ownerUrl: ownerUrl ?? '',
      appUrl: appUrl ?? '',
      port: await findFreePort(),
      extra: { SKILLHUB_HOME: home },
    });
    const url = server.url;
    const made = Date.now().toString(36);
    const database = { appUrl: appUrl ?? '', contextKey: () => readContextKey(ownerUrl ?? '') };
    const tenants: LoadTenant[] = [];
    for (let i = 0; i < 4; i++) tenants.push(await signUpTenant(url, database, `citus-crash-${made}-${i}`));
    const { rows: workers } = await ownerQuery<{ nodeport: number }>(
      'select nodeport from pg_dist_node where groupid > 0 and isactive order by nodeport desc limit 1',
    );
    const victim = path.join(labDir ?? '', 'nodes', String(workers[0]?.nodeport));

    const load = startWriteLoad(() => url, tenants, 6);
    try {
      await load.acknowledged(60);
      await crashPostmaster(victim);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      await labUp();
      await load.acknowledged(60, 90_000);
      // Then the coordinator itself: meanwhile the server says it is degraded, and it carries on once the
      // coordinator is back, without a restart of its own.
      await owner.close();
      await crashPostmaster(path.join(labDir ?? '', 'nodes', new URL(ownerUrl ?? '').port));
      const health = await send(url, 'GET', '/health', { timeoutMs: 10_000 });
      expect(health.body).toEqual({ status: 'degraded', database: 'unreachable' });
      await labUp();
      await waitFor('the server ready again', 60_000, async () => {
        return (await send(url, 'GET', '/health/ready', { timeoutMs: 10_000 })).status === 200;
      });
      await load.acknowledged(60, 120_000);
    } finally {
      await load.stop();
    }
    expect(server.running()).toBe(true);
    owner = openOwnerConnection(ownerUrl ?? '');
    ownerQuery = owner.query;
    // The lab's planted events of unknown tenants are refused, never sealed: the workspaces written here are.
    const tenantIds = tenants.map((t) => t.tenantId);
    await waitFor(
      'the server sealing the backlog',
      60_000,
      async () => (await countUnsealed(ownerQuery, tenantIds)) === 0,
    );

    const { acks, statuses, unexpected } = load.stats;
    const lost = await countLostWrites(ownerQuery, acks);
    const ledger = await compareLedgerWithTables(ownerQuery, tenantIds);
    const verdicts = [];
    for (const tenantId of tenantIds) verdicts.push(...(await verifyAuditChain(ownerUrl ?? '', { tenantId })).chains);
    const figures = {
      acknowledged: acks.length,
      lost,
      changes: ledger.changes,
      changesWithoutEvents: ledger.changesWithoutEvents,
      eventsWithoutChanges: ledger.eventsWithoutChanges,
      chainsIntact: verdicts.filter((verdict) => verdict.intact).length,
      answers: Object.fromEntries([...statuses].sort(([a], [b]) => a - b)),
      seconds: Math.round((performance.now() - started) / 1000),
    };
    console.log(`crash atomicity on the cluster: ${JSON.stringify(figures)}`);

    expect(unexpected, server.output()).toEqual([]);
    expect(lost).toBe(0);
    expect(ledger.changesWithoutEvents, JSON.stringify(ledger.byTable)).toBe(0);
    expect(ledger.eventsWithoutChanges, JSON.stringify(ledger.byTable)).toBe(0);
    expect(verdicts.map((verdict) => [verdict.chain, verdict.intact])).toEqual(tenantIds.map((id) => [id, true]));
    expect(acks.length).toBeGreaterThanOrEqual(180);
    // Some writes met a node down: the server said 503 to them, not 500, and went on once it was back.
    expect(statuses.get(503) ?? 0).toBeGreaterThan(0);
  }, 300_000);
});
