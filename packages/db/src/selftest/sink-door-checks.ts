import { literal } from './attempt.ts';
import { type Door, refusedDoorChecks } from './refused-door-checks.ts';
import type { SelftestCheck } from './selftest-check.ts';
import type { AttackSetup } from './tenant-attacks.ts';

/**
 * The sink delivery doors (migration 0051) from A's verified context, each
 * aimed at B: leasing the deployment sink's chains (the operator's webhook
 * secret comes with a lease) or the workspace sinks, reading B's batch,
 * settling it as delivered, pruning history. Each must be refused with
 * 42501: only the server's delivery worker, under a context of its own,
 * may call them.
 */
export async function sinkDoorChecks(setup: AttackSetup): Promise<SelftestCheck[]> {
  const b = literal(setup.b.id);
  const doors: Door[] = [
    ['platform.lease_deployment_chains', 'select * from platform.lease_deployment_chains(1000, 60)'],
    ['platform.read_deployment_batch', `select platform.read_deployment_batch(${b}, gen_random_uuid(), 1000)`],
    [
      'platform.settle_deployment_batch',
      `select platform.settle_deployment_batch(${b}, gen_random_uuid(), 1000000, null, 0, 0)`,
    ],
    ['platform.lease_audit_sinks', 'select * from platform.lease_audit_sinks(1000, 60)'],
    ['platform.prune_sink_history', 'select platform.prune_sink_history(30, 100)'],
  ];
  return refusedDoorChecks(setup, 'sink doors', doors);
}
