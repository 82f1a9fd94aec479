// Retention on a converted Citus cluster (docs/citus.md, step 8): a workspace's expired prefix removed under
// a signed record, a legal hold stopping it, and a hold and a removal waiting for each other wherever their
// doors run (a hold is placed on the tenant's node, by a delegated door; the removal runs on the
// coordinator). Run by hand like citus-writes.test.ts (docs/citus-lab/README.md), on a database converted by
// lab files 1, 2, 7, 8 and 9:
//   CITUS_LEDGER_URL=postgres://<superuser>@<coordinator>/<db>
//   CITUS_LEDGER_APP_URL=postgres://<runtime role>:<password>@<coordinator>/<db>
// and is skipped without them.

import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  applyRetention,
  type CheckpointSigner,
  type Database,
  generateSignerKey,
  listLegalHolds,
  parseSignerKey,
  parseVerifierKey,
  placeLegalHold,
  systemActor,
  verifierKey,
  verifyAuditChain,
} from '../src/index.ts';
import { openRuntimeDatabase } from '../src/testing/index.ts';

const ownerUrl = process.env.CITUS_LEDGER_URL;
const appUrl = process.env.CITUS_LEDGER_APP_URL;

describe.skipIf(!ownerUrl || !appUrl)('retention on a converted Citus cluster', () => {
  let db: Database;
  let owner: pg.Client;
  const signer: CheckpointSigner = { deployment: 'lab.example', key: parseSignerKey(generateSignerKey('lab.example')) };
  const keys = [parseVerifierKey(verifierKey(signer.key))];
  const bounds = { minDays: 30, maxDays: null };
  const operator = systemActor('retention');

  const countEvents = async (tenant: string) =>
    Number(
      (await owner.query<{ n: string }>('select count(*) as n from audit_logs where tenant_id = $1', [tenant])).rows[0]
        ?.n,
    );

  /**
   * A new workspace whose first `old` events are 40 days old, followed by its creation, `fresh` events of
   * today and a 30-day policy; all sealed and signed. The old events go in first, each stamped where it
   * lands, so they are sealed as the chain's first leaves once the workspace exists.
   */
  const workspaceWithHistory = async (old: number, fresh: number) => {
    const tenant = `retention-${randomUUID().slice(0, 8)}`;
    await owner.query(
      `insert into audit_logs (tenant_id, action, resource_type, resource_id, actor_type, actor_id, metadata, created_at)
       select $1, 'skill.updated', 'skill', 's-' || g, 'user', case when g = 7 then 'held-user' end, '{}',
              now() - interval '40 days' - make_interval(secs => $2 - g)
       from generate_series(1, $2::int) g`,
      [tenant, old],
    );
    await owner.query('insert into tenants (id, name, slug) values ($1, $1, $1)', [tenant]);
    await owner.query(
      `insert into audit_logs (tenant_id, action, resource_type, resource_id, actor_type, metadata)
       select $1, 'skill.updated', 'skill', 'fresh-' || g, 'user', '{}' from generate_series(1, $2::int) g`,
      [tenant, fresh],
    );
    await owner.query(
      `insert into site_settings (tenant_id, display_name, audit_retention_days) values ($1, $1, 30)
       on conflict (tenant_id) do update set audit_retention_days = excluded.audit_retention_days`,
      [tenant],
    );
    expect(await db.sealCommittedAuditEvents(10_000)).toBe(true);
    await db.signAuditCheckpoints(signer);
    // The lab's deployment sink (file 8) holds back what it has not acknowledged: as if it had all of it.
    await owner.query(
      `insert into platform.deployment_sink_cursors (chain, delivered_through) values ($1, 1000000)
       on conflict (chain) do update set delivered_through = excluded.delivered_through`,
      [tenant],
    );
    return tenant;
  };

  beforeAll(async () => {
    owner = new pg.Client({ connectionString: ownerUrl });
    await owner.connect();
    db = await openRuntimeDatabase(ownerUrl ?? '', appUrl ?? '', 4);
  }, 60_000);
  afterAll(async () => {
    await db?.close();
    await owner?.end();
  });

  test('the expired prefix leaves under a signed record, and what remains verifies', async () => {
    const tenant = await workspaceWithHistory(20, 5);
    const run = (dryRun: boolean) => db.withTenant(tenant, operator, () => applyRetention(signer, bounds, { dryRun }));
    expect(await run(true)).toMatchObject({ status: 'would-remove', startLeaf: 0, endLeaf: 20, blockedBy: null });
    const before = await countEvents(tenant);
    expect(await run(false)).toMatchObject({ status: 'removed', startLeaf: 0, endLeaf: 20, eventsRemoved: 20 });
    // The 20 old events leave; the removal records its own.
    expect(await countEvents(tenant)).toBe(before - 20 + 1);
    expect(await run(false)).toMatchObject({ status: 'nothing-expired', eventsRemoved: 0 });
    expect(await db.sealCommittedAuditEvents(10_000)).toBe(true);
    await db.signAuditCheckpoints(signer);
    const report = await verifyAuditChain(ownerUrl ?? '', { tenantId: tenant, retentionKeys: keys });
    expect(report.chains.map((verdict) => [verdict.chain, verdict.intact, verdict.break?.kind])).toEqual([
      [tenant, true, undefined],
    ]);
  }, 60_000);

  test('a hold on a subject stops the removal before their first event', async () => {
    const tenant = await workspaceWithHistory(20, 0);
    await db.withTenant(tenant, operator, () => placeLegalHold('held-user', 'litigation'));
    const outcome = await db.withTenant(tenant, operator, () => applyRetention(signer, bounds));
    // held-user acts in the seventh old event, leaf 6.
    expect(outcome).toMatchObject({ status: 'removed', startLeaf: 0, endLeaf: 6, eventsRemoved: 6 });
    expect(outcome.blockedBy).toMatch(/legal hold .* on subject held-user/);
  }, 60_000);

  test('a hold placed while a removal is planned waits for the removal to end', async () => {
    const tenant = await workspaceWithHistory(10, 0);
    const before = await countEvents(tenant);
    let holdSettled = false;
    let hold: Promise<unknown> = Promise.resolve();
    let waitedOnLock = false;
    await db.withTenant(tenant, operator, async () => {
      const dry = await applyRetention(signer, bounds, { dryRun: true });
      expect(dry.status).toBe('would-remove');
      hold = db
        .withTenantIndependently(tenant, operator, () => placeLegalHold(null, 'subpoena served mid-run'))
        .finally(() => {
          holdSettled = true;
        });
      for (let waited = 0; !holdSettled && waited < 5_000; waited += 50) {
        // The runtime role's statements are kept out of the activity views (0069); its waits are not.
        const { rows } = await owner.query<{ waiting: boolean }>(
          `select exists (select from citus_stat_activity where wait_event_type = 'Lock') as waiting`,
        );
        waitedOnLock = rows[0]?.waiting === true;
        if (waitedOnLock) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(holdSettled).toBe(false);
      expect(waitedOnLock).toBe(true);
      await applyRetention(signer, bounds);
    });
    await hold;
    expect(await countEvents(tenant)).toBeLessThan(before);
    const holds = await db.withTenant(tenant, operator, () => listLegalHolds());
    expect(holds.filter((h) => h.releasedAt === null)).toHaveLength(1);
  }, 60_000);
});
