import { OperatorDoor } from '@skillhub/db';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { out } from '../output/out.ts';
import { parseNonNegativeInteger } from '../runtime/parse-options.ts';
import { withRuntimeDatabase } from '../runtime/runtime-session.ts';
import { describeDeploymentSink } from './describe-deployment-sink.ts';

/** Runs `fn` on the operator's door (the owner's connection): no tenant, and no tenant's role, reaches the deployment sink. */
const asOperator = <T>(fn: (door: OperatorDoor) => Promise<T>): Promise<T> =>
  withRuntimeDatabase((_db, database) => OperatorDoor.use(database.ownerUrl, fn), { migrate: true });

/** `--attempts`: 0 to 1000. */
const parseAttemptCount = (value: string): number => {
  const count = parseNonNegativeInteger(value);
  if (count > 1000) throw new InvalidArgumentError('at most 1000.');
  return count;
};

/**
 * `skillhub sink deployment set|show|test|replay|remove`: the operator's sink,
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
    .description('the deployment sink, where delivery stands in each chain (lag) and its latest attempts')
    .option('--attempts <n>', 'how many of the latest attempts to list (at most 1000)', parseAttemptCount, 10)
    .action(async (options: { attempts: number }) => {
      const state = await asOperator((door) => door.showDeploymentSink(options.attempts));
      if (!state) {
        out('no deployment sink is set');
        return;
      }
      for (const line of describeDeploymentSink(state, new Date())) out(line);
    });
  deployment
    .command('test')
    .description('send one test message to the receiver now and print the outcome (exit 1 if it failed)')
    .action(async () => {
      const { loadConfig, testDeploymentSink } = await import('@skillhub/core');
      const config = loadConfig();
      const result = await asOperator((door) =>
        testDeploymentSink(door, config.keys.secrets(), {
          timeoutMs: config.sinks.timeoutMs,
          ...(config.sinks.syslogCa ? { syslogCa: config.sinks.syslogCa } : {}),
        }),
      );
      if (result.error !== null) {
        throw new Error(`${result.url} did not take the test message (${result.latencyMs} ms): ${result.error}`);
      }
      const status = result.statusCode === null ? 'closed by the receiver' : `status ${result.statusCode}`;
      out(`${result.url} took the test message in ${result.latencyMs} ms (${status}, ${result.messageId})`);
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
