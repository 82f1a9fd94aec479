/**
 * What sealing personal fields costs a write (migrations 0046, 0058 and 0063; issue 16's
 * target: ≤ 1.15× on single-row audited writes): one audited single-row
 * write per transaction through `db.withTenant()` (runtime role, RLS,
 * change capture) on `users`, whose email and display name are classified
 * personal, against the same writes with those columns classified ordinary
 * (the envelope trigger runs, finds nothing to seal), and, for reference,
 * with the envelope trigger disabled (the ledger as it was before 0046).
 * Same server, same run, interleaved rounds; the classification is switched,
 * untimed, before each round. Besides latency it prints the CPU time the
 * writers' PostgreSQL backends spent per write (from /proc, when the
 * server runs on this machine), which another process's load inflates far
 * less than wall time.
 * Usage: npm run bench:encryption -- [--users N] [--rounds N] [--ops N] [--warmup N]
 */
import { parseArgs } from 'node:util';
import { Database, sql, systemActor } from '@skillhub/db';
import { openRawPool } from '@skillhub/db/bench';
import { backendCpuSeconds } from './lib/backend-cpu.ts';
import { openBenchDatabase } from './lib/bench-database.ts';
import { median, percentile, runInterleaved, type Variant } from './lib/interleaved-rounds.ts';
import { positiveInteger } from './lib/positive-integer.ts';
import { formatRatio, formatTable, formatUs } from './lib/print-table.ts';

const { values: flags } = parseArgs({
  options: {
    users: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '7' },
    ops: { type: 'string', default: '300' },
    warmup: { type: 'string', default: '100' },
  },
});
const users = positiveInteger('users', flags.users);
const rounds = positiveInteger('rounds', flags.rounds);
const ops = positiveInteger('ops', flags.ops);
const warmup = positiveInteger('warmup', flags.warmup);
const progress = (message: string) => process.stderr.write(`${message}\n`);

type Mode = 'personal' | 'ordinary' | 'off';
const labels: Record<Mode, string> = {
  personal: 'email, display_name personal (sealed per subject)',
  ordinary: 'same columns classified ordinary (nothing sealed)',
  off: 'envelope trigger disabled (the ledger before 0046)',
};

async function main(): Promise<void> {
  progress('starting PostgreSQL and migrating a fresh database');
  const bench = await openBenchDatabase({ max_connections: '50' });
  const owner = openRawPool({ connectionString: bench.ownerUrl, max: 1 });
  const db = await Database.open({ url: bench.appUrl, contextKey: bench.contextKey, maxConnections: 2 });
  try {
    const actor = systemActor('bench');
    const tenantId = (await db.platform.createTenant({ name: 'Bench', slug: 'bench' }, actor)).id;
    progress(`loading ${users} users`);
    await db.withTenant(tenantId, actor, (tx) =>
      tx.execute(sql`insert into users (email, display_name)
        select 'person-' || g || '@bench.test', 'Person ' || g from generate_series(1, ${users}::int) g`),
    );
    const { rows } = await owner.query<{ id: string }>('select id from users where tenant_id = $1', [tenantId]);
    const ids = rows.map((r) => r.id);
    const setMode = async (mode: Mode) => {
      await owner.query(`select audit.classify_columns('users', $1, array['email', 'display_name'])`, [
        mode === 'personal' ? 'personal' : 'ordinary',
      ]);
      await owner.query(
        `alter table audit_logs ${mode === 'off' ? 'disable' : 'enable'} trigger audit_logs_personal_fields`,
      );
    };
    // The writers' backends: the pool's two connections, opened by the loading above and kept.
    const runtimeRole = decodeURIComponent(new URL(bench.appUrl).username);
    const cpuSeconds = new Map<Mode, number>();
    let roundStart = 0;
    let written = 0;
    const write = async () => {
      const id = ids[Math.floor(Math.random() * ids.length)];
      written += 1;
      await db.withTenant(tenantId, actor, (tx) =>
        tx.execute(sql`update users set display_name = ${`Renamed ${written}`}, updated_at = now() where id = ${id}`),
      );
    };
    const variants: Variant[] = (['personal', 'ordinary', 'off'] as const).map((mode) => ({
      key: mode,
      label: labels[mode],
      before: async () => {
        await setMode(mode);
        roundStart = await backendCpuSeconds(owner, runtimeRole);
      },
      run: write,
      after: async () => {
        const spent = (await backendCpuSeconds(owner, runtimeRole)) - roundStart;
        cpuSeconds.set(mode, (cpuSeconds.get(mode) ?? 0) + spent);
      },
    }));
    const results = await runInterleaved(variants, {
      rounds,
      opsPerRound: ops,
      warmupOps: warmup,
      onProgress: progress,
    });
    await setMode('personal');
    const byKey = new Map(results.map((r) => [r.key, r]));
    const baseline = median(byKey.get('ordinary')?.latenciesUs ?? []);
    // Warm-up rounds count too: every variant ran one, so each total covers (rounds × ops + warmup) writes.
    const cpuUsPerWrite = (mode: Mode) => ((cpuSeconds.get(mode) ?? Number.NaN) * 1e6) / (rounds * ops + warmup);
    const table = [
      ['update one users row per transaction', 'median µs', 'p95 µs', 'vs ordinary', 'backend CPU µs', 'vs ordinary'],
    ];
    for (const r of results) {
      const m = median(r.latenciesUs);
      const cpu = cpuUsPerWrite(r.key as Mode);
      table.push([
        r.label,
        formatUs(m),
        formatUs(percentile(r.latenciesUs, 95)),
        formatRatio(m / baseline),
        Number.isNaN(cpu) ? 'n/a' : formatUs(cpu),
        Number.isNaN(cpu) ? 'n/a' : formatRatio(cpu / cpuUsPerWrite('ordinary')),
      ]);
    }
    process.stdout.write(
      `personal-field encryption (${bench.where}; ${users} users; ${rounds} rounds × ${ops} ops, interleaved)\n` +
        `${formatTable(table)}\n` +
        'The machine may be shared and noisy: compare ratios within one run, never medians across runs.\n',
    );
  } finally {
    await db.close();
    await owner.end();
    await bench.close();
  }
}

await main();
