// Step 8 of the Citus plan on a real cluster, the doors a request calls that write a tenant's tally or
// legal hold and its ledger event together (0084), and the probes that record in another tenant: each
// delegated by its tenant (packages/db/citus/writes-per-shard.sql), where undelegated they failed ("cannot
// perform query on placements that were modified in this transaction by a different user"). Run by hand
// like citus-writes.test.ts (docs/citus-lab/README.md), on a database converted by lab files 1, 2, 7, 8
// and 9:
//   CITUS_LEDGER_URL=postgres://<superuser>@<coordinator>/<db>
//   CITUS_LEDGER_APP_URL=postgres://<runtime role>:<password>@<coordinator>/<db>
// and is skipped without them.

import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type Database,
  logRepeatedSecurityEvent,
  placeLegalHold,
  recordForeignProbe,
  recordHostMismatch,
  releaseLegalHold,
  sql,
  systemActor,
  verifyAuditChain,
} from '../src/index.ts';
import { openRuntimeDatabase } from '../src/testing/index.ts';

const ownerUrl = process.env.CITUS_LEDGER_URL;
const appUrl = process.env.CITUS_LEDGER_APP_URL;

describe.skipIf(!ownerUrl || !appUrl)('doors on a converted Citus cluster', () => {
  let db: Database;
  let owner: pg.Client;
  let acme: string;
  let globex: string;
  let globexSlug: string;
  const requests: string[] = [];
  const request = (label: string) => {
    const requestId = `citus-doors-${label}-${randomUUID()}`;
    requests.push(requestId);
    return { actorType: 'user' as const, actorId: randomUUID(), role: 'owner' as const, requestId, ip: '198.51.100.9' };
  };
  const eventsOf = async (requestId: string) =>
    (
      await owner.query<{ tenant_id: string; action: string }>(
        'select tenant_id, action from audit_logs where request_id = $1 order by seq',
        [requestId],
      )
    ).rows;

  beforeAll(async () => {
    owner = new pg.Client({ connectionString: ownerUrl });
    await owner.connect();
    db = await openRuntimeDatabase(ownerUrl ?? '', appUrl ?? '', 2);
    const made = Date.now().toString(36);
    globexSlug = `doors-b-${made}`;
    acme = (await db.platform.createTenant({ name: 'Doors A', slug: `doors-a-${made}` }, systemActor('lab'))).id;
    globex = (await db.platform.createTenant({ name: 'Doors B', slug: globexSlug }, systemActor('lab'))).id;
  }, 60_000);
  afterAll(async () => {
    await db?.close();
    await owner?.end();
  });

  test("a repeated failure after the request's own write is tallied, and its first events logged, on the tenant's node", async () => {
    const subject = `lab-${randomUUID()}`;
    const ids = await db.withTenant(acme, request('repeated'), async (tx) => {
      await tx.execute(sql`insert into skills (tenant_id, slug, name, description)
                           values (${acme}, ${`repeated-${Date.now()}`}, 'Repeated', 'written first')`);
      const logged: (string | null)[] = [];
      for (let i = 0; i < 4; i++) {
        logged.push(
          await logRepeatedSecurityEvent({ type: 'permission_denied', severity: 'info', subject, target: 'skills' }),
        );
      }
      return logged;
    });
    // The first three of a window become events, the fourth is only counted.
    expect(ids.map((id) => id !== null)).toEqual([true, true, true, false]);
    const { rows } = await owner.query<{ occurrences: string; events: string }>(
      `select (select sum(occurrences)::text from security_event_tallies where tenant_id = $1 and subject = $2) as occurrences,
              (select count(*)::text from security_events where tenant_id = $1 and id = any ($3)) as events`,
      [acme, subject, ids.filter((id) => id !== null)],
    );
    expect(rows[0]).toEqual({ occurrences: '4', events: '3' });
  });

  test('a legal hold is placed and released, each with its event in the chain', async () => {
    const placing = request('hold-placed');
    const hold = await db.withTenant(acme, placing, () => placeLegalHold(null, 'litigation'));
    expect(hold).toMatchObject({ subject: null, reason: 'litigation', releasedAt: null });
    const releasing = request('hold-released');
    expect(await db.withTenant(acme, releasing, () => releaseLegalHold(hold.id, 'settled'))).toBe(true);
    expect(await db.withTenant(acme, request('hold-again'), () => releaseLegalHold(hold.id, 'twice'))).toBe(false);
    expect(await eventsOf(placing.requestId)).toEqual([{ tenant_id: acme, action: 'legal_hold.placed' }]);
    expect(await eventsOf(releasing.requestId)).toEqual([{ tenant_id: acme, action: 'legal_hold.released' }]);
    const { rows } = await owner.query(
      'select released_by, release_reason from audit.legal_holds where chain = $1 and id = $2',
      [acme, hold.id],
    );
    expect(rows).toEqual([{ released_by: `user:${releasing.actorId}`, release_reason: 'settled' }]);
  });

  test("a probe of another workspace's skill and a credential on its host are recorded in that workspace", async () => {
    const { rows } = await owner.query<{ id: string }>('select id from skills where tenant_id = $1 limit 1', [acme]);
    const probing = request('probe');
    const foreign = await db.withTenant(globex, probing, async () => {
      const found = await recordForeignProbe({ table: 'skills', id: rows[0]?.id ?? '' });
      await recordHostMismatch(`doors-a-${globexSlug.slice('doors-b-'.length)}`);
      return found;
    });
    expect(foreign).toBe(true);
    const { rows: blocked } = await owner.query<{ tenant_id: string; n: string }>(
      `select tenant_id, count(*)::text as n from security_events
       where event_type = 'access_blocked' and details ->> 'actorId' = $1 group by 1`,
      [probing.actorId],
    );
    // Recorded once per credential, target tenant and five minutes: the probe and the host mismatch are one.
    expect(blocked).toEqual([{ tenant_id: acme, n: '1' }]);
  });

  test('every event written here is sealed and each chain verifies', async () => {
    expect(await db.sealCommittedAuditEvents(30_000)).toBe(true);
    for (const chain of [acme, globex]) {
      const result = await verifyAuditChain(ownerUrl ?? '', { tenantId: chain });
      expect(result.chains.map((verdict) => [verdict.chain, verdict.intact])).toEqual([[chain, true]]);
    }
  }, 60_000);
});
