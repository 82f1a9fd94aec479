import { checkpointSigner, fixedServerKeys, loadConfig } from '@skillhub/core';
import {
  Database,
  inclusionRanges,
  readTenantCheckpoint,
  signCheckpoint,
  sql,
  streamTenantBundle,
  systemActor,
  type TreeVerdict,
  tenantInclusionProof,
  verifyTenantTree,
} from '@skillhub/db';
import { ownerStoredTree, type RawPool } from '@skillhub/db/bench';
import { median } from '../lib/interleaved-rounds.ts';
import { verifyTreeThroughCursor } from './cursor-tree-verify.ts';
import { ownCpuSeconds, processCpuSeconds } from './process-cpu.ts';
import { measureVerifyFloor, type VerifyFloor } from './tree-verify-floor.ts';

const n = (value: number) => Math.round(value).toLocaleString('en-US');
const seconds = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;

/** Peak resident memory above the level before `fn`, sampled every 10 ms and on `sample()`. */
async function withPeakRss<T>(fn: (sample: () => void) => Promise<T>): Promise<{ result: T; peakMb: number }> {
  global.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage().rss);
  };
  const timer = setInterval(sample, 10);
  try {
    const result = await fn(sample);
    return { result, peakMb: (peak - before) / 2 ** 20 };
  } finally {
    clearInterval(timer);
  }
}

/**
 * Part 5: the Merkle trees over the sealed ledger: checkpoint signing,
 * inclusion proof generation (through the API's use of it, from a warm
 * stored tree, and in bundle order), full and incremental verification of
 * the largest tenant's tree, hashing in Node.
 */
export async function measureTrees(
  pools: { owner: RawPool; appUrl: string; contextKey: string },
  say: (message: string) => void,
): Promise<void> {
  const config = loadConfig({ SKILLHUB_ORIGIN: 'bench.example' });
  const keys = fixedServerKeys({ secrets: [Buffer.alloc(32, 1)], deviceCookie: Buffer.alloc(32, 2) });
  const signer = checkpointSigner({ ...config, keys });
  const db = await Database.open({ url: pools.appUrl, contextKey: pools.contextKey, maxConnections: 2 });
  const actor = systemActor('bench');
  try {
    say('signing a checkpoint of every tree');
    const t0 = process.hrtime.bigint();
    const signed = await db.signAuditCheckpoints(signer);
    const signAll = seconds(t0);
    const root = Buffer.alloc(32, 7);
    const signUs: number[] = [];
    for (let i = 0; i < 2_000; i++) {
      const s = process.hrtime.bigint();
      signCheckpoint(signer.key, 'bench.example/audit/t', i + 1, root);
      signUs.push(Number(process.hrtime.bigint() - s) / 1e3);
    }
    const { rows } = await pools.owner.query<{ chain: string; size: string }>(
      `select chain, max(position) as size from audit.seals where chain <> '' group by chain order by 2 desc limit 1`,
    );
    const chain = rows[0]?.chain ?? '';
    const latest = await db.withTenant(chain, actor, () => readTenantCheckpoint());
    if (!latest) throw new Error('no checkpoint was signed');
    const size = latest.treeSize;
    const ids = (
      await pools.owner.query<{ event_id: string }>(
        'select event_id from audit.seals where chain = $1 and position <= $2 order by random() limit 2000',
        [chain, size],
      )
    ).rows.map((r) => r.event_id);

    say('inclusion proofs through the tenant door');
    const t1 = process.hrtime.bigint();
    for (const id of ids) await db.withTenant(chain, actor, () => tenantInclusionProof(id));
    const doorRate = ids.length / seconds(t1);

    say('inclusion proofs from a warm stored tree');
    const tree = ownerStoredTree(pools.owner, chain, { tilesPerRead: 256 });
    const random = Array.from({ length: 20_000 }, () => Math.floor(Math.random() * size));
    for (const index of random) await tree.hashRanges(inclusionRanges(index, size)); // warm: every tile read once
    const t2 = process.hrtime.bigint();
    for (const index of random) await tree.hashRanges(inclusionRanges(index, size));
    const warmRate = random.length / seconds(t2);

    say('inclusion proofs in bundle order (streamTenantBundle)');
    const t3 = process.hrtime.bigint();
    const bundled = await db.withTenant(chain, actor, () => streamTenantBundle(size, async () => {}));
    const bundleRate = bundled / seconds(t3);

    say(
      'full verification of the tree (binary COPY of the stored columns, canonical text built and hashed in Node) vs the cursor baseline',
    );
    const empty = { treeSize: 0, rootHash: (await ownerStoredTree(pools.owner, chain).root(0)) as Buffer };
    const fullRuns: { seconds: number; nodeCpu: number; backendCpu: number; peakMb: number }[] = [];
    const cursorRuns: { seconds: number; nodeCpu: number; backendCpu: number }[] = [];
    const floors: VerifyFloor[] = [];
    let full: { result: TreeVerdict; peakMb: number } | undefined;
    for (let round = 0; round < 3; round++) {
      const t4 = process.hrtime.bigint();
      const cpu4 = ownCpuSeconds();
      let backendCpu = 0;
      full = await withPeakRss((sample) =>
        db.withTenant(chain, actor, async (tx) => {
          const pid = Number((await tx.execute<{ pid: number }>(sql`select pg_backend_pid() as pid`)).rows[0]?.pid);
          const before = await processCpuSeconds(pid);
          const verdict = await verifyTenantTree(empty, latest, sample);
          backendCpu = (await processCpuSeconds(pid)) - before;
          return verdict;
        }),
      );
      fullRuns.push({ seconds: seconds(t4), nodeCpu: ownCpuSeconds() - cpu4, backendCpu, peakMb: full.peakMb });
      if (!full.result.intact) throw new Error(`the tree does not verify: ${JSON.stringify(full.result.break)}`);
      const t5 = process.hrtime.bigint();
      const cpu5 = ownCpuSeconds();
      const baseline = await verifyTreeThroughCursor(pools.owner, chain, size);
      cursorRuns.push({ seconds: seconds(t5), nodeCpu: ownCpuSeconds() - cpu5, backendCpu: baseline.backendCpu });
      if (baseline.checked !== size) throw new Error('the cursor baseline read the wrong number of leaves');
      floors.push(await measureVerifyFloor(pools.owner, chain));
    }
    if (!full) throw new Error('no full verification ran');
    const fullSeconds = median(fullRuns.map((r) => r.seconds));

    say('incremental verification from earlier sizes');
    const incremental: [number, number][] = [];
    for (const added of [1_000, 10_000, Math.floor(size / 2)]) {
      if (added >= size) continue;
      const fromSize = size - added;
      const fromRoot = await ownerStoredTree(pools.owner, chain).root(fromSize);
      const times: number[] = [];
      for (let round = 0; round < 3; round++) {
        const s = process.hrtime.bigint();
        const verdict = await db.withTenant(chain, actor, () =>
          verifyTenantTree({ treeSize: fromSize, rootHash: fromRoot }, latest),
        );
        times.push(seconds(s));
        if (!verdict.intact || verdict.checked !== added) throw new Error('incremental verification failed');
      }
      incremental.push([added, median(times)]);
    }

    say('the checkpoint door: rehashing the leaves a checkpoint newly covers (0036) vs the stored-node root alone');
    const door: { added: number; rehash: number; nodes: number }[] = [];
    for (const added of [1_000, 10_000]) {
      if (added >= size) continue;
      const rehash: number[] = [];
      const nodes: number[] = [];
      for (let round = 0; round < 3; round++) {
        const s = process.hrtime.bigint();
        await pools.owner.query('select audit.root_from_events($1, $2, $3)', [chain, size - added, size]);
        rehash.push(seconds(s));
        const s2 = process.hrtime.bigint();
        await pools.owner.query('select audit.tree_root($1, $2)', [chain, size]);
        nodes.push(seconds(s2));
      }
      door.push({ added, rehash: median(rehash), nodes: median(nodes) });
    }

    console.log(`\n5. Merkle trees: the largest tenant tree holds ${n(size)} leaves`);
    console.log(
      `    checkpoint signing (Ed25519, node:crypto): median ${median(signUs).toFixed(1)} µs per checkpoint (aim < 1 ms: ${median(signUs) < 1000 ? 'met' : 'missed'}); ${signed} trees signed and recorded through audit.record_checkpoint in ${signAll.toFixed(2)} s`,
    );
    console.log(
      `    inclusion proofs: ${n(warmRate)} proofs/s from a warm stored tree (20,000 random leaves, aim ≥ 20,000: ${warmRate >= 20_000 ? 'met' : 'missed'}); ${n(bundleRate)} proofs/s in bundle order with the events' canonical text; ${n(doorRate)} proofs/s one request at a time through withTenant (2,000 random events: a transaction, the leaf lookup, the checkpoint and the tiles each time)`,
    );
    const fullRate = full.result.checked / fullSeconds;
    const cursorSeconds = median(cursorRuns.map((r) => r.seconds));
    const us = (runs: { nodeCpu: number; backendCpu: number }[], key: 'nodeCpu' | 'backendCpu') =>
      ((median(runs.map((r) => r[key])) / size) * 1e6).toFixed(2);
    const bound = Math.max(median(fullRuns.map((r) => r.nodeCpu)), median(fullRuns.map((r) => r.backendCpu))) / size;
    console.log(
      `    full verification (binary COPY of the stored columns, canonical text, leaf hashes and root in Node): ${n(full.result.checked)} events in ${fullSeconds.toFixed(2)} s = ${n(fullRate)} events/s (aim ≥ 200,000: ${fullRate >= 200_000 ? 'met' : 'missed'}), peak RSS +${median(fullRuns.map((r) => r.peakMb)).toFixed(0)} MB; median of 3 rounds interleaved with the baseline`,
    );
    console.log(
      `      baseline (audit.canonical_text through a cursor, hashed in Node): ${cursorSeconds.toFixed(2)} s = ${n(size / cursorSeconds)} events/s; speed-up ${(cursorSeconds / fullSeconds).toFixed(2)}×`,
    );
    console.log(
      `      CPU per event: Node ${us(fullRuns, 'nodeCpu')} µs + PostgreSQL backend ${us(fullRuns, 'backendCpu')} µs (baseline: Node ${us(cursorRuns, 'nodeCpu')} µs + backend ${us(cursorRuns, 'backendCpu')} µs); the two run side by side, so on two idle cores the bound is ${n(1 / bound)} events/s`,
    );
    const floorUs = (key: 'nodeCpu' | 'backendCpu') => (median(floors.map((f) => f[key] / f.events)) * 1e6).toFixed(2);
    const floorBound = 2 / ((Number(floorUs('nodeCpu')) + Number(floorUs('backendCpu'))) / 1e6);
    const productBound = 2 / ((Number(us(fullRuns, 'nodeCpu')) + Number(us(fullRuns, 'backendCpu'))) / 1e6);
    console.log(
      `      floor, same events, same rounds: PostgreSQL printing each canonical text once (no seals, no join, nothing sent) ${floorUs('backendCpu')} µs + Node's hashes (event, leaf, one node; ${floors[0]?.textBytes ?? 0}-byte texts) ${floorUs('nodeCpu')} µs per event; with every cycle of two idle cores the floor allows ${n(floorBound)} events/s and the product's CPU ${n(productBound)} events/s (aim 200,000)`,
    );
    console.log(
      `    incremental verification (--since): ${incremental.map(([added, s]) => `${n(added)} events added → ${(s * 1000).toFixed(0)} ms`).join('; ')} (median of 3)`,
    );
    console.log(
      `    checkpoint door (audit.record_checkpoint): ${door.map((d) => `${n(d.added)} events newly covered rehashed in ${(d.rehash * 1000).toFixed(0)} ms (${n(d.added / d.rehash)} events/s; the stored-node root it is checked against: ${(d.nodes * 1000).toFixed(1)} ms)`).join('; ')} (median of 3, interleaved)`,
    );
  } finally {
    await db.close();
  }
}
