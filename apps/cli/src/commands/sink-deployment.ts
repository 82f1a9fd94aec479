import { OperatorDoor } from '@skillhub/db';
import { type Command, Option } from 'commander';
import { out } from '../output/out.ts';
import { formatTable } from '../output/table.ts';
import { parseNonNegativeInteger } from '../runtime/parse-options.ts';
import { withRuntimeDatabase } from '../runtime/runtime-session.ts';

/** Runs `fn` on the operator's door (the owner's connection): no tenant, and no tenant's role, reaches the deployment sink. */
const asOperator = <T>(fn: (door: OperatorDoor) => Promise<T>): Promise<T> =>
  withRuntimeDatabase((_db, database) => OperatorDoor.use(database.ownerUrl, fn), { migrate: true });

/**
 * `skillhub sink deployment set|show|replay|remove`: the operator's sink,
 * which receives every workspace's sealed events and the system chain's
 * (syslog RFC 5424 over TCP or TLS, or a signed webhook). Each change is
 * recorded in the system chain.
 */
export function registerDeploymentSink(sink: Command): void {
  const deployment = sink
    .command('deployment')
    .description("the operator's sink: every workspace's audit events and the system chain's");
  deployment
    .command('set')
    .description('send every chain to a syslog receiver or a webhook (replaces the one set)')
    .requiredOption('--url <url>', 'syslog://host:port, syslog+tls://host:port or https://…')
    .addOption(new Option('--format <format>', 'event encoding').choices(['ocsf', 'jsonl']).default('ocsf'))
    .option('--from-leaf <leaf>', 'the first leaf index delivered in every chain', parseNonNegativeInteger, 0)
    .action(async (options: { url: string; format: string; fromLeaf: number }) => {
      const { deploymentSinkSettings, loadConfig } = await import('@skillhub/core');
      const { settings, signingSecret } = deploymentSinkSettings(loadConfig().keys.secrets(), options);
      await asOperator((door) => door.setDeploymentSink(settings));
      out(
        `the deployment sink sends every chain from leaf ${options.fromLeaf} to ${settings.url} (${settings.format})`,
      );
      if (signingSecret) out(`signing secret (shown once, give it to the receiver): ${signingSecret}`);
    });
  deployment
    .command('show')
    .description('the deployment sink and where delivery stands in each chain')
    .action(async () => {
      const state = await asOperator((door) => door.showDeploymentSink());
      if (!state) {
        out('no deployment sink is set');
        return;
      }
      const status = state.pausedAt
        ? `paused since ${state.pausedAt.toISOString()}: ${state.pausedReason ?? ''}`
        : 'active';
      out(`${state.url} (${state.format}), from leaf ${state.fromLeaf}, ${status}`);
      const rows = state.chains.map((c) => [c.chain || '(system)', String(c.deliveredThrough), String(c.failures)]);
      if (rows.length > 0) out(formatTable(['chain', 'delivered through leaf', 'failures'], rows).trimEnd());
    });
  deployment
    .command('replay')
    .description('deliver every chain again from a leaf index, or resume a paused sink where it stood')
    .option('--from-leaf <leaf>', 'the first leaf index to deliver again', parseNonNegativeInteger)
    .action(async (options: { fromLeaf?: number }) => {
      const replayed = await asOperator((door) => door.replayDeploymentSink(options.fromLeaf ?? null));
      if (!replayed) throw new Error('no deployment sink is set: set one with skillhub sink deployment set --url …');
      out(
        options.fromLeaf === undefined
          ? 'the deployment sink resumes where each chain stood'
          : `the deployment sink delivers every chain again from leaf ${options.fromLeaf}`,
      );
    });
  deployment
    .command('remove')
    .description('stop sending to the deployment sink and forget its cursors')
    .action(async () => {
      const removed = await asOperator((door) => door.removeDeploymentSink());
      if (!removed) throw new Error('no deployment sink is set');
      out('the deployment sink is removed');
    });
}
