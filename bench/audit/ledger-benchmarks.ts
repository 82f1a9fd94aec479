import type { RawPool } from '@skillhub/db/bench';
import { emptyLedger } from './capture-modes.ts';
import { generateEvents } from './generate-events.ts';
import { compareSealing, installLoopSealing, type SealingComparison } from './loop-sealing.ts';
import { printSealing, printTreeSealing, printVerification } from './print-report.ts';
import { profileSealQuery, profileVerifyQueries } from './profile-ledger.ts';
import { hashScan, plainRead, sealInCalls, timedVerify } from './seal-and-verify.ts';
import { measureTrees } from './tree-figures.ts';
import { compareTreeSealing, installChainOnlySealing } from './tree-sealing.ts';

export interface LedgerOptions {
  tenantIds: string[];
  events: number;
  sealBatch: number;
  /** Also time the set-based sealing rewrite on the same backlog. */
  /** Also seal the same events with the row-by-row loop of 0007, for the ratio. */
  compareSealing: boolean;
  onProgress?: (message: string) => void;
}

const n = (value: number) => value.toLocaleString('en-US');

/**
 * Parts 3 and 4 of the benchmark, on an emptied ledger: writes `events`
 * events, seals them in one call and then ten more batches the sealer's way
 * (on top of the sealed backlog), then verifies every chain; prints both
 * reports with an explain analyze of the queries behind them. Throws if
 * anything is left unsealed or a chain does not verify.
 */
export async function measureLedger(
  pools: { owner: RawPool; ownerUrl: string; appUrl: string; contextKey: string },
  options: LedgerOptions,
): Promise<void> {
  const say = options.onProgress ?? (() => {});
  const perTransaction = Math.max(1, Math.ceil(options.events / 10));
  say(`generating ${n(options.events)} audit events`);
  await emptyLedger(pools.owner);
  const generated = await generateEvents(pools.owner, {
    tenantIds: options.tenantIds,
    events: options.events,
    perTransaction,
    onProgress: say,
  });
  say('vacuum analyze audit_logs, checkpoint');
  await pools.owner.query('vacuum analyze audit_logs');
  await pools.owner.query('checkpoint');
  say('hash floor');
  const hash = await hashScan(pools.owner);
  say('sealing in one call');
  const oneCall = await sealInCalls(pools.appUrl, options.events);
  // The security-control alarm records emptying the ledger: a few events more than generated.
  if (oneCall.sealed < options.events) throw new Error(`sealed ${oneCall.sealed} of ${options.events} events`);
  // Then the sealer's way on top of the sealed backlog: ten batches' worth of new events.
  const tail = options.sealBatch * 10;
  say(`generating ${n(tail)} more events, sealing them ${n(options.sealBatch)} at a time`);
  await generateEvents(pools.owner, {
    tenantIds: options.tenantIds,
    events: tail,
    first: options.events + 1,
    perTransaction: tail,
  });
  await pools.owner.query('vacuum analyze audit_logs, audit.seals');
  say('explain analyze of the sealing query');
  const plans = await profileSealQuery(pools.owner, options.sealBatch);
  let comparison: SealingComparison | undefined;
  if (options.compareSealing) {
    say('audit.seal_pending vs the row-by-row loop on the same events (rolled back)');
    await installLoopSealing(pools.owner);
    comparison = await compareSealing(pools.owner, tail, 2);
    await pools.owner.query('vacuum analyze audit.seals');
  }
  say('sealing with the Merkle tree vs the chain-only sealing of 0023 on the same events (rolled back)');
  await installChainOnlySealing(pools.owner);
  const treeSealing = await compareTreeSealing(pools.owner, tail, options.sealBatch, 3);
  await pools.owner.query('vacuum analyze audit.seals, audit.tree_nodes');
  const calls = await sealInCalls(pools.appUrl, options.sealBatch, say);
  if (calls.sealed !== tail) throw new Error(`sealed ${calls.sealed} of ${tail} events`);
  const totalEvents = oneCall.sealed + tail;
  console.log(
    `\n3. sealing: ${n(options.events)} events over ${n(options.tenantIds.length)} tenants in ${generated.transactions} transactions (half skill row changes with old and new records, half application events); audit_logs vacuumed and analyzed and a checkpoint taken first; sealing runs as the runtime role`,
  );
  printSealing({
    events: options.events,
    writeSeconds: generated.seconds,
    hashSeconds: hash.seconds,
    oneCall,
    calls,
    batch: options.sealBatch,
    plans,
    comparison,
  });
  printTreeSealing(treeSealing);

  say('plain read');
  const plain = await plainRead(pools.ownerUrl);
  say('verifying one chain');
  const one = await timedVerify(pools.ownerUrl, { tenantId: options.tenantIds[0] ?? '' });
  say('verifying every chain, one connection');
  const serial = await timedVerify(pools.ownerUrl, { concurrency: 1 });
  say('verifying every chain');
  const all = await timedVerify(pools.ownerUrl);
  for (const [label, v] of [
    ['one chain', one],
    ['every chain, one connection', serial],
    ['every chain', all],
  ] as const) {
    if (!v.result.intact) throw new Error(`verification of ${label} found a break: ${JSON.stringify(v.result)}`);
  }
  if (all.result.events !== totalEvents) throw new Error(`verified ${all.result.events} of ${totalEvents}`);
  console.log(
    `\n4. verification: verifyAuditChain(ownerUrl) over the ${n(totalEvents)} sealed events (${all.result.chains.length} chains), one read-only snapshot, each chain streamed through one COPY`,
  );
  say('explain analyze of the verification queries');
  const chain = options.tenantIds[0] ?? '';
  const verifyPlans = await profileVerifyQueries(pools.owner, chain);
  printVerification(
    plain,
    [
      [`verifyAuditChain, one tenant's chain`, one],
      ['verifyAuditChain, every chain, one connection', serial],
      ['verifyAuditChain, every chain (2 connections, the default)', all],
    ],
    { chain, events: one.result.events, chains: all.result.chains.length, plans: verifyPlans },
  );
  await measureTrees(pools, say);
}
