// Step 7 of the Citus plan on a real cluster: the server's sealer seals a converted ledger a shard at a
// time on each shard's node (packages/db/citus/sealing-per-shard.sql), where audit.seal_pending cannot
// run at all ("cannot perform a lateral outer join when a distributed subquery references complex
// subqueries, CTEs or local tables"), and signs the grown trees' checkpoints, listed per shard
// (checkpoints-per-shard.sql), which audit.trees_to_checkpoint cannot ("complex joins"), and verifies each chain
// from its shard (verification-per-shard.sql), where one server's verification could not be planned. Citus is not in
// Debian's archive, so this runs by hand against a coordinator (docs/citus-lab/README.md), on a database
// converted by lab files 1, 2, 7, 8 and 9:
//   CITUS_LEDGER_URL=postgres://<superuser>@<coordinator>/<db>
//   CITUS_LEDGER_APP_URL=postgres://<runtime role>:<password>@<coordinator>/<db>
// and is skipped without them.

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checkRefusedEvents, checkSealingStatus } from '../src/checks/sealing-status.ts';
import {
  type CheckpointSigner,
  checkpointSignedBy,
  type Database,
  generateSignerKey,
  parseCheckpointNote,
  parseSignerKey,
  parseVerifierKey,
  readTenantCheckpoint,
  tenantInclusionProof,
  verifierKey,
  verifyAuditChain,
} from '../src/index.ts';
import { runnerFor } from '../src/sql-runner.ts';
import { openRuntimeDatabase } from '../src/testing/index.ts';
import { onNode } from './support/citus-node.ts';
import { referenceLeaf, verifyInclusion } from './support/rfc9162-reference.ts';
import { actor } from './support/tenant-rows.ts';

const ownerUrl = process.env.CITUS_LEDGER_URL;
const appUrl = process.env.CITUS_LEDGER_APP_URL;

describe.skipIf(!ownerUrl || !appUrl)('the ledger on a converted Citus cluster', () => {
  let db: Database;
  let owner: pg.Client;
  let acme: string;
  let globex: string;
  let note = 1000;

  const writeNote = async (tenant: string) => {
    note += 1;
    // lab_notes (file 8) is colocated with the ledger; its capture writes the event on the shard's node.
    await owner.query(`insert into public.lab_notes values ($1, $2, 'sealing test')`, [tenant, note]);
    const { rows } = await owner.query<{ id: string }>(
      `select id from audit_logs where tenant_id = $1 and action = 'lab_notes.insert' and resource_id = $2`,
      [tenant, String(note)],
    );
    return rows[0]?.id ?? '';
  };
  const sealOf = async (tenant: string, eventId: string) => {
    const { rows } = await owner.query<{ position: string; head: string }>(
      `select s.position, (select max(h.position) from audit.seals h where h.chain = $1) as head
       from audit.seals s where s.chain = $1 and s.event_id = $2`,
      [tenant, eventId],
    );
    return rows[0];
  };

  beforeAll(async () => {
    owner = new pg.Client({ connectionString: ownerUrl });
    await owner.connect();
    const { rows } = await owner.query<{ slug: string; id: string }>(
      `select slug, id from tenants where slug in ('acme', 'globex')`,
    );
    acme = rows.find((row) => row.slug === 'acme')?.id ?? '';
    globex = rows.find((row) => row.slug === 'globex')?.id ?? '';
    const { rows: notes } = await owner.query<{ n: number }>(
      'select coalesce(max(n), 0)::int as n from public.lab_notes',
    );
    note = Math.max(note, notes[0]?.n ?? 0);
    db = await openRuntimeDatabase(ownerUrl ?? '', appUrl ?? '', 2);
    await db.sealAuditEvents();
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    await owner?.end();
  });

  test('the sealer seals new events of several chains on their nodes, and refuses an unknown tenant', async () => {
    const first = await writeNote(acme);
    const second = await writeNote(acme);
    const third = await writeNote(globex);
    const { rows } = await owner.query<{ id: string }>(
      `insert into audit_logs (tenant_id, action, resource_type) values ('lab-no-such-tenant', 'lab.orphan', 'lab')
       returning id`,
    );
    expect(await db.sealAuditEvents()).toBe(3);
    const sealed = [await sealOf(acme, first), await sealOf(acme, second), await sealOf(globex, third)];
    expect(Number(sealed[1]?.position)).toBe(Number(sealed[0]?.position) + 1);
    expect(Number(sealed[1]?.position)).toBe(Number(sealed[1]?.head));
    expect(Number(sealed[2]?.position)).toBe(Number(sealed[2]?.head));
    const refused = await owner.query(
      `select from audit.refused_events where named_tenant = 'lab-no-such-tenant' and event_id = $1`,
      [rows[0]?.id],
    );
    expect(refused.rowCount).toBe(1);
    expect(await db.sealAuditEvents()).toBe(0);
    const checks = await owner.query<{ intact: boolean; matches: boolean }>(
      `select c.chain_intact as intact, c.tree_matches as matches
       from unnest(array[$1, $2]) t (chain), lateral audit.lab_check_chain(t.chain) c`,
      [acme, globex],
    );
    expect(checks.rows).toEqual([
      { intact: true, matches: true },
      { intact: true, matches: true },
    ]);
  });

  test('sealCommittedEvents waits for an event an open transaction on its node holds back', async () => {
    // A transaction with an id open on every worker holds each node's horizon below what follows.
    const { rows: workers } = await owner.query<{ nodename: string; nodeport: number }>(
      `select nodename, nodeport from pg_dist_node where groupid <> 0 and isactive`,
    );
    const holders = workers.map(
      (worker) =>
        new pg.Client({
          connectionString: onNode(ownerUrl ?? '', worker),
        }),
    );
    for (const holder of holders) {
      await holder.connect();
      await holder.query('begin');
      await holder.query('select pg_current_xact_id()');
    }
    try {
      const held = await writeNote(acme);
      expect(await db.sealCommittedAuditEvents(1_500)).toBe(false);
      expect(await sealOf(acme, held)).toBeUndefined();
      for (const holder of holders) await holder.query('commit');
      expect(await db.sealCommittedAuditEvents(10_000)).toBe(true);
      expect(await sealOf(acme, held)).toBeDefined();
    } finally {
      for (const holder of holders) await holder.end();
    }
  }, 60_000);

  test("the doctor reads the refusals on the cluster and names the unknown tenant's event", async () => {
    // The first test planted it; before, the check could not run ("complex joins").
    const [refused] = await checkRefusedEvents(runnerFor(owner));
    expect(refused).toMatchObject({ check: 'sealing_refused', ok: false });
    expect(refused?.detail).toMatch(/audit events name a tenant that does not exist/);
  });

  test('the doctor counts the events a worker stamped that wait for their seal', async () => {
    // Before, the check could not run: audit.sealing_status() stopped at "permission denied for table pg_authid".
    const waiting = async () => {
      const [status] = await checkSealingStatus(runnerFor(owner));
      expect(status).toMatchObject({ check: 'sealing_not_held_back', ok: true });
      return Number(/^(\d+) events await sealing$/.exec(status?.detail ?? '')?.[1]);
    };
    await db.sealAuditEvents();
    const before = await waiting();
    await writeNote(acme);
    await writeNote(globex);
    expect(await waiting()).toBe(before + 2);
    await db.sealAuditEvents();
    expect(await waiting()).toBe(before);
  });

  test('the grown trees are signed from their shards, and an event proves its inclusion', async () => {
    const signer: CheckpointSigner = {
      deployment: 'lab.example',
      key: parseSignerKey(generateSignerKey('lab.example')),
    };
    const failures: string[] = [];
    await db.signAuditCheckpoints(signer, (error, chain) =>
      failures.push(`${chain}: ${((error as Error).cause as Error)?.message ?? (error as Error).message}`),
    );
    expect(failures).toEqual([]);
    const event = await writeNote(acme);
    expect(await db.sealCommittedAuditEvents(10_000)).toBe(true);
    expect(await db.signAuditCheckpoints(signer, (error, chain) => failures.push(`${chain}: ${error}`))).toBe(1);
    expect(failures).toEqual([]);
    expect(await db.signAuditCheckpoints(signer)).toBe(0);
    const head = Number((await sealOf(acme, event))?.head);
    const proven = await db.withTenant(acme, actor(), async () => {
      const checkpoint = await readTenantCheckpoint();
      return { checkpoint, inclusion: await tenantInclusionProof(event) };
    });
    expect(proven.checkpoint?.treeSize).toBe(head);
    const note = parseCheckpointNote(proven.checkpoint?.note ?? '');
    expect(checkpointSignedBy(note, parseVerifierKey(verifierKey(signer.key)))).toBe(true);
    const inclusion = proven.inclusion;
    if (!inclusion) throw new Error('no inclusion proof');
    expect(inclusion.leafIndex).toBe(head - 1);
    const leaf = referenceLeaf(Buffer.from(inclusion.canonical));
    expect(verifyInclusion(inclusion.leafIndex, head, leaf, inclusion.proof, note.rootHash)).toBe(true);
  }, 60_000);

  test("a shard moved to the other worker: what either node stamped is sealed, in the chain's order", async () => {
    const tenant = `lab-moved-${Date.now().toString(36)}`;
    await owner.query('insert into tenants (id, name, slug) values ($1, $1, $1)', [tenant]);
    const placement = async () =>
      (
        await owner.query<{ shard: string; nodeport: number }>(
          `select p.shardid as shard, n.nodeport from pg_dist_placement p join pg_dist_node n on n.groupid = p.groupid
           where p.shardid = get_shard_id_for_distribution_column('audit_logs', $1::text)`,
          [tenant],
        )
      ).rows[0];
    const before = await placement();
    const { rows: others } = await owner.query<{ nodeport: number }>(
      'select nodeport from pg_dist_node where groupid > 0 and isactive and nodeport <> $1 limit 1',
      [before?.nodeport],
    );
    const stampedBefore = await writeNote(tenant);
    expect(await db.sealAuditEvents()).toBeGreaterThan(0);
    const heldBack = await writeNote(tenant);
    await owner.query(
      `select citus_move_shard_placement($1::bigint, '127.0.0.1', $2::int, '127.0.0.1', $3::int, shard_transfer_mode => 'block_writes')`,
      [before?.shard, before?.nodeport, others[0]?.nodeport],
    );
    expect((await placement())?.nodeport).toBe(others[0]?.nodeport);
    // The new node's transaction ids may lie below the cursor the former node left: before the fix, this event
    // stayed unsealed for good, and the one above too if the sealer had not passed it before the move.
    const stampedAfter = await writeNote(tenant);
    await db.sealAuditEvents();
    const positions = [
      await sealOf(tenant, stampedBefore),
      await sealOf(tenant, heldBack),
      await sealOf(tenant, stampedAfter),
    ];
    expect(positions.map((seal) => Number(seal?.position))).toEqual([1, 2, 3]);
    const result = await verifyAuditChain(ownerUrl ?? '', { tenantId: tenant });
    expect(result.chains.map((verdict) => [verdict.chain, verdict.intact, verdict.break?.kind])).toEqual([
      [tenant, true, undefined],
    ]);
  }, 120_000);

  test('a value that represents no shard is refused, and leaves no cursor', async () => {
    const app = new pg.Client({ connectionString: appUrl });
    await app.connect();
    try {
      await expect(app.query(`select audit.seal_shard('acme-chosen-by-the-caller')`)).rejects.toMatchObject({
        code: '22023',
      });
      await expect(
        app.query(`select audit.shard_unsealed_below('acme-chosen-by-the-caller', '1000'::xid8)`),
      ).rejects.toMatchObject({ code: '22023' });
    } finally {
      await app.end();
    }
    const { rowCount } = await owner.query(
      `select from audit.shard_seal_cursors where representative = 'acme-chosen-by-the-caller'`,
    );
    expect(rowCount).toBe(0);
  });

  test('each chain verifies from its shard, across the conversion, and an edited event is named', async () => {
    // A chain whose prefix retention removed verifies only with the key of its record, which
    // citus-retention.test.ts checks; every other chain here.
    const { rows } = await owner.query<{ id: string }>(
      `select t.id from tenants t where t.id not in (select r.chain from audit.retention_records r) order by t.slug`,
    );
    for (const chain of [...rows.map((row) => row.id), '']) {
      const result = await verifyAuditChain(ownerUrl ?? '', { tenantId: chain });
      expect(result.chains.map((verdict) => [verdict.chain, verdict.intact, verdict.break?.kind])).toEqual([
        [chain, true, undefined],
      ]);
    }
    const { rows: sealed } = await owner.query<{ event_id: string; position: string; metadata: unknown }>(
      `select s.event_id, s.position, l.metadata from audit.seals s
       join audit_logs l on l.tenant_id = s.chain and l.id = s.event_id
       where s.chain = $1 and s.position = 10`,
      [acme],
    );
    const target = sealed[0];
    if (!target) throw new Error('acme has no tenth seal');
    // Rewritten where the row lies, on the worker, in the shard itself, with the ledger's guards off: what an
    // attacker holding that node's superuser could do.
    const { rows: placed } = await owner.query<{ nodename: string; nodeport: number; shard: string }>(
      `select n.nodename, n.nodeport, shard_name('public.audit_logs'::regclass, s.shardid) as shard
       from pg_dist_shard s join pg_dist_placement p using (shardid) join pg_dist_node n using (groupid)
       where s.shardid = get_shard_id_for_distribution_column('public.audit_logs', $1::text)`,
      [acme],
    );
    const place = placed[0];
    if (!place) throw new Error("acme's shard has no placement");
    const rewrite = async (metadata: unknown) => {
      const worker = new pg.Client({
        connectionString: onNode(ownerUrl ?? '', place),
      });
      await worker.connect();
      try {
        await worker.query('begin');
        await worker.query('set local session_replication_role = replica');
        await worker.query(`update public.${place.shard} set metadata = $1::jsonb where tenant_id = $2 and id = $3`, [
          JSON.stringify(metadata),
          acme,
          target.event_id,
        ]);
        await worker.query('commit');
      } finally {
        await worker.end();
      }
    };
    await rewrite({ forged: true });
    try {
      const result = await verifyAuditChain(ownerUrl ?? '', { tenantId: acme });
      expect(result.chains[0]?.break).toMatchObject({ kind: 'modified', position: 10, eventId: target.event_id });
    } finally {
      await rewrite(target.metadata);
    }
    expect((await verifyAuditChain(ownerUrl ?? '', { tenantId: acme })).intact).toBe(true);
  }, 120_000);
});
