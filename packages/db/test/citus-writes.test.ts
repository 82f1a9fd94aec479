// Step 8 of the Citus plan on a real cluster, the write path: every tenant table's change captured on the
// shard it wrote, into the ledger's shard beside it (0077's 'shard' form, installed by
// packages/db/citus/writes-per-shard.sql), where the capture as one server writes it cannot run ("executor
// could not find named tuplestore"); and the deployment sink's change, on the coordinator, into the system
// chain (the 'coordinator' form); and the event door a request calls after its own writes, delegated by
// its tenant argument to the tenant's node (0078). Run by hand like citus-sealing.test.ts (docs/citus-lab/README.md), on a
// database converted by lab files 1, 2, 7, 8 and 9:
//   CITUS_LEDGER_URL=postgres://<superuser>@<coordinator>/<db>
//   CITUS_LEDGER_APP_URL=postgres://<runtime role>:<password>@<coordinator>/<db>
// and is skipped without them.

import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checkCitusLocalCopies } from '../src/checks/citus-local-copies.ts';
import { checkCitusSqlFunctions } from '../src/checks/citus-sql-functions.ts';
import { checkCitusSystemLogin } from '../src/checks/citus-system-login.ts';
import { checkPermissivePolicies } from '../src/checks/permissive-policies.ts';
import {
  type Database,
  OperatorDoor,
  type RequestActor,
  recordAuditEvent,
  sql,
  systemActor,
  verifyAuditChain,
} from '../src/index.ts';
import { runnerFor } from '../src/sql-runner.ts';
import { openRuntimeDatabase } from '../src/testing/index.ts';
import { onNode } from './support/citus-node.ts';
import { insertSql, seededTables, seedTenantRows, tableSpecs } from './support/tenant-rows.ts';

const ownerUrl = process.env.CITUS_LEDGER_URL;
const appUrl = process.env.CITUS_LEDGER_APP_URL;
// Each worker draws the ledger's sequence from its own range, node group x 2^48 onwards.
const firstWorkerSeq = 2n ** 48n;

interface CapturedEvent {
  tenant_id: string;
  action: string;
  table_name: string;
  actor_id: string | null;
  ip_address: string | null;
  txid: string;
  seq: string;
  new_record: Record<string, unknown> | null;
  changed_fields: string[] | null;
  personal: Record<string, unknown> | null;
}

describe.skipIf(!ownerUrl || !appUrl)('writes on a converted Citus cluster', () => {
  let db: Database;
  let owner: pg.Client;
  let acme: string;
  let globex: string;

  const request = (label: string): RequestActor & { requestId: string } => ({
    actorType: 'user',
    actorId: `lab-${label}`,
    role: 'owner',
    requestId: `citus-writes-${label}-${randomUUID()}`,
    ip: '198.51.100.7',
  });
  const eventsOf = async (requestId: string) =>
    (
      await owner.query<CapturedEvent>(
        `select tenant_id, action, table_name, actor_id, host(ip_address) as ip_address, txid::text, seq::text,
                new_record, changed_fields, personal
         from audit_logs where request_id = $1 order by seq`,
        [requestId],
      )
    ).rows;

  beforeAll(async () => {
    owner = new pg.Client({ connectionString: ownerUrl });
    await owner.connect();
    db = await openRuntimeDatabase(ownerUrl ?? '', appUrl ?? '', 2);
    // Two workspaces of their own, made through the door sign-up uses, so that every run starts clean.
    const made = Date.now().toString(36);
    acme = (await db.platform.createTenant({ name: 'Writes A', slug: `writes-a-${made}` }, systemActor('lab'))).id;
    globex = (await db.platform.createTenant({ name: 'Writes B', slug: `writes-b-${made}` }, systemActor('lab'))).id;
  }, 60_000);
  afterAll(async () => {
    await db?.close();
    await owner?.end();
  });

  let seeded: Awaited<ReturnType<typeof seedTenantRows>>;
  const ours: string[] = [];

  test("every tenant table's insert is captured beside its shard, with the request's context and the worker's ids", async () => {
    const insert = request('insert');
    ours.push(insert.requestId);
    seeded = await seedTenantRows(db, acme, insert);
    const events = await eventsOf(insert.requestId);
    expect(events.map((event) => event.table_name)).toEqual([...seededTables]);
    for (const event of events) {
      expect(event).toMatchObject({ tenant_id: acme, action: `${event.table_name}.insert`, actor_id: 'lab-insert' });
      expect(BigInt(event.seq)).toBeGreaterThanOrEqual(firstWorkerSeq);
    }
    expect(new Set(events.map((event) => event.txid)).size).toBe(1);
    expect(events.find((event) => event.table_name === 'skills')?.ip_address).toBe('198.51.100.7');
    expect(events.find((event) => event.table_name === 'skills')?.new_record).toMatchObject({ id: seeded.skills });
  }, 60_000);

  test('an update records the changed column of each table, and a rolled-back write records nothing', async () => {
    const update = request('update');
    ours.push(update.requestId);
    await db.withTenant(acme, update, async (tx) => {
      for (const table of seededTables) {
        const [column, value] = tableSpecs[table].mutable;
        await tx.execute(
          sql`update ${sql.identifier(table)} set ${sql.identifier(column)} = ${value}
              where tenant_id = ${acme} and id = ${seeded[table]}`,
        );
      }
    });
    const events = await eventsOf(update.requestId);
    expect(events.map((event) => [event.action, event.changed_fields])).toEqual(
      seededTables.map((table) => [`${table}.update`, [tableSpecs[table].mutable[0]]]),
    );

    const undone = request('undone');
    const skill = randomUUID();
    await expect(
      db.withTenant(acme, undone, async (tx) => {
        await tx.execute(
          insertSql('skills', {
            id: skill,
            slug: `undone-${skill.slice(0, 8)}`,
            name: 'Undone',
            author_id: seeded.users,
          }),
        );
        throw new Error('the request fails after its write');
      }),
    ).rejects.toThrow('the request fails after its write');
    expect(await eventsOf(undone.requestId)).toEqual([]);
    expect((await owner.query('select from skills where tenant_id = $1 and id = $2', [acme, skill])).rowCount).toBe(0);
  }, 60_000);

  test('an event recorded after the write it describes lands in the same worker transaction, after it', async () => {
    const door = request('door');
    ours.push(door.requestId);
    const skill = randomUUID();
    await db.withTenant(acme, door, async (tx) => {
      await tx.execute(
        insertSql('skills', { id: skill, slug: `door-${skill.slice(0, 8)}`, name: 'Door', author_id: seeded.users }),
      );
      await recordAuditEvent({ action: 'skill.created', resourceType: 'skill', resourceId: skill });
      await tx.execute(sql`update skills set name = 'Door, renamed' where tenant_id = ${acme} and id = ${skill}`);
    });
    const events = await eventsOf(door.requestId);
    expect(events.map((event) => [event.action, event.tenant_id, event.actor_id])).toEqual([
      ['skills.insert', acme, 'lab-door'],
      ['skill.created', acme, 'lab-door'],
      ['skills.update', acme, 'lab-door'],
    ]);
    expect(new Set(events.map((event) => event.txid)).size).toBe(1);
  }, 60_000);

  test("the event door named with another tenant's id is refused on that tenant's node, and writes nothing there", async () => {
    const probe = request('probe');
    const attempt = db.withTenant(acme, probe, (tx) =>
      tx.execute(sql`select audit.record_tenant_event(${globex}, 'skill.deleted', 'skill', 'x', '{}'::jsonb)`),
    );
    await expect(attempt).rejects.toMatchObject({ cause: { code: '42501' } });
    expect(await eventsOf(probe.requestId)).toEqual([]);
  }, 60_000);

  test("a new person's email is sealed in an envelope on the shard, never in clear", async () => {
    const invite = request('person');
    ours.push(invite.requestId);
    const person = randomUUID();
    const email = `sealed-${person.slice(0, 8)}@acme.example`;
    await db.withTenant(acme, invite, (tx) =>
      tx.execute(insertSql('users', { id: person, email, display_name: 'Sealed Person' })),
    );
    const [event] = await eventsOf(invite.requestId);
    expect(event?.new_record).not.toHaveProperty('email');
    expect(Object.keys(event?.personal ?? {})).toEqual([`user:${person}`]);
    const { rows } = await owner.query<{ whole: string }>(
      `select l::text as whole from audit_logs l where tenant_id = $1 and request_id = $2`,
      [acme, invite.requestId],
    );
    expect(rows[0]?.whole).not.toContain(email);
  }, 60_000);

  test("another tenant's write lands in its own chain", async () => {
    const write = request('globex');
    ours.push(write.requestId);
    const rows = await seedTenantRows(db, globex, write);
    const events = await eventsOf(write.requestId);
    expect(events).toHaveLength(9);
    expect(new Set(events.map((event) => event.tenant_id))).toEqual(new Set([globex]));
    expect(events.find((event) => event.table_name === 'users')?.new_record).toMatchObject({ id: rows.users });
  }, 60_000);

  test("the deployment sink's change, on the coordinator, lands in the system chain with its secret redacted", async () => {
    const before = await owner.query<{ n: string }>(
      `select count(*)::text as n from audit_logs where tenant_id = '' and table_name = 'deployment_sink'`,
    );
    // The form the server seals a secret into (a key id, then the sealed value); the check wants no more.
    const secret = `v1.${randomUUID().replaceAll('-', '').slice(0, 16)}.${randomUUID()}`;
    await OperatorDoor.use(ownerUrl ?? '', (door) =>
      door.setDeploymentSink({
        url: 'https://sink.lab.example/hook',
        format: 'ocsf',
        signingSecret: secret,
        fromLeaf: 0,
      }),
    );
    const { rows } = await owner.query<{ action: string; whole: string }>(
      `select action, l::text as whole from audit_logs l where tenant_id = '' and table_name = 'deployment_sink'
       order by seq desc limit 1`,
    );
    const after = await owner.query<{ n: string }>(
      `select count(*)::text as n from audit_logs where tenant_id = '' and table_name = 'deployment_sink'`,
    );
    expect(Number(after.rows[0]?.n)).toBe(Number(before.rows[0]?.n) + 1);
    expect(rows[0]?.action).toMatch(/^deployment_sink\.(insert|update)$/);
    expect(rows[0]?.whole).toContain('https://sink.lab.example/hook');
    expect(rows[0]?.whole).not.toContain(secret);
  }, 60_000);

  test('the doctor names a table whose rows from before its distribution stay on the coordinator', async () => {
    const run = runnerFor(owner);
    expect((await checkCitusLocalCopies(run)).filter((finding) => !finding.ok)).toEqual([]);
    await owner.query(`create table public.lab_residue (tenant_id text primary key, secret text);
      insert into public.lab_residue values ('lab-a', 'from before the conversion')`);
    try {
      await owner.query(`select create_distributed_table('public.lab_residue', 'tenant_id')`);
      expect((await checkCitusLocalCopies(run)).filter((finding) => !finding.ok)).toMatchObject([
        { check: 'citus_local_copies_empty', target: 'lab_residue', ok: false },
      ]);
      await owner.query(`select truncate_local_data_after_distributing_table('public.lab_residue')`);
      expect((await checkCitusLocalCopies(run)).filter((finding) => !finding.ok)).toEqual([]);
    } finally {
      await owner.query('drop table public.lab_residue');
    }
  });

  test("the doctor names a worker where skillhub_system's login was taken away, as a node resync does", async () => {
    expect((await checkCitusSystemLogin(runnerFor(owner))).filter((finding) => !finding.ok)).toEqual([]);
    const { rows } = await owner.query<{ nodename: string; nodeport: number }>(
      `select nodename, nodeport from pg_dist_node where groupid <> 0 and isactive order by nodeport limit 1`,
    );
    const node = rows[0];
    if (!node) throw new Error('the cluster has no worker');
    const onWorker = async (statement: string) => {
      const worker = new pg.Client({
        connectionString: onNode(ownerUrl ?? '', node),
      });
      await worker.connect();
      try {
        await worker.query('set citus.enable_ddl_propagation = off');
        await worker.query(statement);
      } finally {
        await worker.end();
      }
    };
    await onWorker('alter role skillhub_system nologin');
    try {
      const failed = (await checkCitusSystemLogin(runnerFor(owner))).filter((finding) => !finding.ok);
      expect(failed.map((finding) => finding.target)).toEqual([`worker ${node.nodename}:${node.nodeport}`]);
    } finally {
      await onWorker('alter role skillhub_system login');
    }
    expect((await checkCitusSystemLogin(runnerFor(owner))).filter((finding) => !finding.ok)).toEqual([]);
  }, 60_000);

  test('no SQL function with parameters reads a distributed table, and the rewritten ones are planned (0083)', async () => {
    expect((await checkCitusSqlFunctions(runnerFor(owner))).filter((finding) => !finding.ok)).toEqual([]);
    // Each of 0083's readers, called on the coordinator: in SQL, Citus refused or crashed on the kind.
    const { rows } = await owner.query<Record<string, unknown>>(
      `select audit.subject_on_hold($1, 'someone@acme.example') as on_hold,
              audit.subject_of('email', 'someone@acme.example') like 'email:%' as subject,
              audit.month_overlap_until(date_trunc('month', now()), pg_current_xact_id(), 0) is not null as overlap,
              (platform.joinable_workspace('nowhere.example')).id is null as no_workspace,
              audit.unsealed_ledger_events(now() - interval '1 day', now() + interval '1 day') >= 0 as unsealed`,
      [acme],
    );
    expect(rows[0]).toEqual({ on_hold: false, subject: true, overlap: true, no_workspace: true, unsealed: true });
  });

  test('the policies folded per command for Citus keep to the tenant, as the doctor now reads them', async () => {
    const findings = await checkPermissivePolicies(runnerFor(owner));
    expect(findings.filter((finding) => !finding.ok)).toEqual([]);
    const { rows } = await owner.query<{ tables: string }>(
      `select count(distinct polrelid)::text as tables from pg_policy where polpermissive and polname <> 'tenant_isolation'`,
    );
    // Six tables carry folded per-command policies (lab file 1).
    expect(rows[0]?.tables).toBe('6');
  });

  test('every event written here is sealed and each chain verifies', async () => {
    expect(await db.sealCommittedAuditEvents(30_000)).toBe(true);
    const { rows } = await owner.query<{ unsealed: string }>(
      `select count(*)::text as unsealed from audit_logs l
       where l.request_id = any ($1)
         and not exists (select from audit.seals s where s.chain = l.tenant_id and s.event_id = l.id)`,
      [ours],
    );
    expect(rows[0]?.unsealed).toBe('0');
    for (const chain of [acme, globex, '']) {
      const result = await verifyAuditChain(ownerUrl ?? '', { tenantId: chain });
      expect(result.chains.map((verdict) => [verdict.chain, verdict.intact])).toEqual([[chain, true]]);
    }
  }, 120_000);
});
