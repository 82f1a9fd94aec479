/**
 * What sealing personal fields costs a write, in CPU instructions (issue
 * 16's target: ≤ 1.15× on single-row audited writes), counted with
 * `valgrind --tool=callgrind` on a single-user PostgreSQL backend
 * (`postgres --single`), so the figure does not depend on the machine's
 * load the way `bench:encryption`'s times do.
 *
 * It makes a private cluster with the given PostgreSQL binaries, migrates
 * it, adds one tenant and one user, stops the server, and then, per
 * variant and class (email and display name personal, then ordinary),
 * counts two scripts, each run by a fresh single-user backend: N
 * transactions that each set a signed tenant context (signed in SQL with
 * the database's context key, bound to the backend and the transaction's
 * start, as withTenant signs it) and switch to the runtime role, then
 * commit; and the same N transactions with an audited update of the user's
 * display name after the context, as `bench:encryption` writes through
 * `db.withTenant()`. Per write = (second − first) ÷ N: the update, its
 * row policies and context check, change capture and the envelope trigger.
 * A variant is an SQL file run (not counted) before its scripts, e.g. an
 * earlier version of `audit.encrypt_personal_fields()`; without one, the
 * migrated code is counted. Variants share the database, one after the
 * other.
 *
 * Usage: npx tsx bench/encryption-instructions.ts [--pg-bin DIR] [--writes N] [--dir DIR] [--variant FILE]...
 * (default /usr/lib/postgresql/15/bin and 1,000 writes; needs valgrind; as
 * root, the cluster runs as the `postgres` user). With --dir the cluster is
 * made there once and kept for the next run, which skips the migration.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runMigrations } from '@skillhub/db';
import { openRawClient } from '@skillhub/db/bench';
import { positiveInteger } from './lib/positive-integer.ts';
import { formatTable } from './lib/print-table.ts';

const { values: flags } = parseArgs({
  options: {
    'pg-bin': { type: 'string', default: '/usr/lib/postgresql/15/bin' },
    writes: { type: 'string', default: '1000' },
    variant: { type: 'string', multiple: true, default: [] },
    dir: { type: 'string' },
  },
});
const pgBin = flags['pg-bin'];
const writes = positiveInteger('writes', flags.writes);
const progress = (message: string) => process.stderr.write(`${message}\n`);

// initdb refuses root: then the cluster is the `postgres` user's.
const asRoot = process.getuid?.() === 0;
const osUser = asRoot ? 'postgres' : os.userInfo().username;
const run = (command: string, args: string[], input?: string): string => {
  const [file, argv] = asRoot ? ['runuser', ['-u', osUser, '--', command, ...args]] : [command, args];
  return execFileSync(file, argv, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
};

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });

interface Prepared {
  tenantId: string;
  userId: string;
}

async function prepare(dir: string, data: string): Promise<Prepared> {
  run(path.join(pgBin, 'initdb'), [
    '-D',
    data,
    '-U',
    'postgres',
    '-A',
    'trust',
    '-E',
    'UTF8',
    '--locale=C',
    '--no-sync',
  ]);
  const port = await freePort();
  const pgCtl = path.join(pgBin, 'pg_ctl');
  run(pgCtl, [
    '-D',
    data,
    '-w',
    '-l',
    path.join(dir, 'server.log'),
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`,
    'start',
  ]);
  try {
    const admin = openRawClient({ connectionString: `postgresql://postgres@127.0.0.1:${port}/postgres` });
    await admin.connect();
    await admin.query('create database skillhub');
    await admin.end();
    const url = `postgresql://postgres@127.0.0.1:${port}/skillhub`;
    await runMigrations(url, { name: 'skillhub_bench_runtime', password: 'bench' });
    const owner = openRawClient({ connectionString: url });
    await owner.connect();
    const tenant = await owner.query<{ id: string }>(
      `insert into public.tenants (name, slug) values ('Bench', 'bench') returning id`,
    );
    const user = await owner.query<{ id: string }>(
      `insert into public.users (tenant_id, email, display_name) values ($1, 'person@bench.test', 'Person') returning id`,
      [tenant.rows[0]?.id],
    );
    await owner.end();
    const tenantId = tenant.rows[0]?.id;
    const userId = user.rows[0]?.id;
    if (!tenantId || !userId) throw new Error('no user was made');
    return { tenantId, userId };
  } finally {
    run(pgCtl, ['-D', data, '-w', '-m', 'fast', 'stop']);
  }
}

/** Runs a script in a single-user backend; with `countTo`, under callgrind, returning its instruction count. */
function single(dir: string, data: string, script: string, countTo?: string): number {
  const postgres = path.join(pgBin, 'postgres');
  const args = ['--single', '-j', '-D', data, 'skillhub'];
  const [command, argv] = countTo
    ? ['valgrind', ['--tool=callgrind', `--callgrind-out-file=${countTo}`, postgres, ...args]]
    : [postgres, args];
  const [file, fileArgs] = asRoot ? ['runuser', ['-u', osUser, '--', command, ...argv]] : [command, argv];
  const result = spawnSync(file, fileArgs, { input: script, encoding: 'utf8', cwd: dir, maxBuffer: 1 << 26 });
  if (result.status !== 0 || /\bERROR:/.test(result.stdout + result.stderr)) {
    throw new Error(`single-user backend failed:\n${(result.stdout + result.stderr).slice(-3000)}`);
  }
  if (!countTo) return 0;
  const summary = /^summary:\s+(\d+)/m.exec(readFileSync(countTo, 'utf8'));
  if (!summary?.[1]) throw new Error(`no summary in ${countTo}`);
  return Number(summary[1]);
}

/**
 * One transaction's tenant context, signed in SQL the way withTenant signs it in Node
 * (`<key id>:<HMAC-SHA256>:<payload>`, bound to this backend and the transaction's start).
 */
const contextStatements = (tenantId: string) => `begin;

select pg_catalog.set_config('app.current_tenant_id', '${tenantId}', true),
       pg_catalog.set_config('app.context', k.id || ':' ||
         pg_catalog.encode(public.hmac(pg_catalog.convert_to(c.payload, 'UTF8'), k.secret, 'sha256'), 'hex') || ':' ||
         c.payload, true)
from (select k.id, k.secret from platform.context_keys k where k.retired_at is null order by k.id desc limit 1) k,
     (select pg_catalog.json_build_object('t', '${tenantId}', 'at', 'system', 'a', 'bench', 'r', null, 'u', null,
        'q', null, 'ip', null, 'p', pg_catalog.pg_backend_pid()::text,
        's', (extract(epoch from pg_catalog.now()) * 1000000)::bigint::text,
        'iat', (extract(epoch from pg_catalog.now()) * 1000)::bigint)::text as payload) c;

set local role skillhub_bench_runtime;

`;

async function main(): Promise<void> {
  const keep = flags.dir !== undefined;
  const dir = flags.dir ? path.resolve(flags.dir) : mkdtempSync(path.join(os.tmpdir(), 'skillhub-instructions-'));
  const data = path.join(dir, 'data');
  const preparedFile = path.join(dir, 'prepared.json');
  try {
    let prepared: Prepared;
    if (keep && existsSync(preparedFile)) {
      prepared = JSON.parse(readFileSync(preparedFile, 'utf8')) as Prepared;
    } else {
      mkdirSync(dir, { recursive: true });
      chmodSync(dir, 0o755);
      if (asRoot) {
        const uid = Number(execFileSync('id', ['-u', osUser], { encoding: 'utf8' }));
        const gid = Number(execFileSync('id', ['-g', osUser], { encoding: 'utf8' }));
        chownSync(dir, uid, gid);
      }
      progress(`making a cluster with ${pgBin} in ${dir} and migrating it`);
      prepared = await prepare(dir, data);
      writeFileSync(preparedFile, JSON.stringify(prepared));
    }
    const classify = (cls: string) =>
      `select audit.classify_columns('users', '${cls}', array['email', 'display_name']);\n\n`;
    const context = contextStatements(prepared.tenantId);
    const transactions = (update: boolean) =>
      Array.from(
        { length: writes },
        (_, i) =>
          context +
          (update
            ? `update public.users set display_name = 'Renamed ${i}', updated_at = pg_catalog.now() where id = '${prepared.userId}';\n\n`
            : '') +
          'commit;\n\n',
      ).join('');
    const variants = flags.variant.length > 0 ? flags.variant : [''];
    const table = [['variant', 'personal', 'ordinary', 'extra', 'personal ÷ ordinary']];
    for (const variant of variants) {
      if (variant) single(dir, data, `${readFileSync(variant, 'utf8')}\n\n`);
      const perWrite: Record<string, number> = {};
      for (const cls of ['personal', 'ordinary']) {
        progress(`${variant || 'migrated code'}: counting ${writes} writes, ${cls}`);
        const out = path.join(dir, `callgrind.${cls}`);
        // Classified once before counting: a change of class does one-time work (0068 regenerates the
        // capture function) that only the first script would pay; in the scripts it then changes nothing.
        single(dir, data, classify(cls));
        const alone = single(dir, data, classify(cls) + transactions(false), out);
        const all = single(dir, data, classify(cls) + transactions(true), out);
        perWrite[cls] = Math.round((all - alone) / writes);
      }
      const personal = perWrite.personal ?? Number.NaN;
      const ordinary = perWrite.ordinary ?? Number.NaN;
      table.push([
        variant ? path.basename(variant) : 'migrated code',
        personal.toLocaleString('en'),
        ordinary.toLocaleString('en'),
        (personal - ordinary).toLocaleString('en'),
        `${(personal / ordinary).toFixed(3)}×`,
      ]);
    }
    process.stdout.write(
      `instructions per audited update of one users row (${pgBin}, postgres --single, ${writes} writes, callgrind)\n` +
        `${formatTable(table)}\n`,
    );
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
