import type { Command } from 'commander';
import { out } from '../output/out.ts';
import { formatTable } from '../output/table.ts';
import { cliActor } from '../runtime/cli-actor.ts';
import { parseNonNegativeInteger, parseUuid } from '../runtime/parse-options.ts';
import { withRuntimeDatabase } from '../runtime/runtime-session.ts';
import { tenantBySlug } from '../runtime/tenant-by-slug.ts';
import { registerDeploymentSink } from './sink-deployment.ts';

interface SinkOptions {
  tenant: string;
  id: string;
}

/**
 * `skillhub sink list|test|replay`: a workspace's audit sinks, through the
 * API's own use cases (each change audited, actor cli). Sinks are created
 * by the workspace's admins (API or console), who receive the signing
 * secret; the CLI never shows it.
 */
export function registerSink(program: Command): void {
  const sink = program.command('sink').description("inspect, test and replay a workspace's audit sinks");
  registerDeploymentSink(sink);
  sink
    .command('list')
    .description('sinks of a workspace with where delivery stands (last delivered leaf, lag, failures)')
    .requiredOption('--tenant <slug>', 'the workspace')
    .action(async (options: { tenant: string }) => {
      const { listAuditSinks } = await import('@skillhub/core');
      const sinks = await withRuntimeDatabase(async (db) => {
        const tenant = await tenantBySlug(db, options.tenant);
        return db.withTenant(tenant.id, cliActor(), listAuditSinks);
      });
      if (sinks.length === 0) {
        out(`${options.tenant} has no audit sinks`);
        return;
      }
      const rows = sinks.map((s) => [
        s.id,
        s.name,
        s.format,
        String(s.deliveredThrough),
        `${s.lagEvents} events / ${s.lagSeconds.toFixed(1)} s`,
        s.pausedAt ? `paused: ${s.pausedReason ?? ''}` : s.failures > 0 ? `failing (${s.failures})` : 'ok',
        s.url,
      ]);
      out(formatTable(['id', 'name', 'format', 'delivered', 'lag', 'state', 'url'], rows).trimEnd());
    });
  sink
    .command('test')
    .description('send a signed test message to a sink now and print its answer')
    .requiredOption('--tenant <slug>', 'the workspace')
    .requiredOption('--id <uuid>', 'the sink', parseUuid)
    .action(async (options: SinkOptions) => {
      const { loadConfig, testAuditSink } = await import('@skillhub/core');
      const config = loadConfig();
      const result = await withRuntimeDatabase(async (db) => {
        const tenant = await tenantBySlug(db, options.tenant);
        const auth = { tenantId: tenant.id, actor: cliActor() };
        const policy = { allowPrivateNetwork: config.sinks.allowPrivateNetwork, timeoutMs: config.sinks.timeoutMs };
        return testAuditSink(db, auth, config.keys.secrets(), policy, options.id);
      });
      if (result.error !== null) throw new Error(`the sink did not accept the test message: ${result.error}`);
      out(`delivered: ${result.statusCode} in ${result.latencyMs} ms (webhook-id ${result.webhookId})`);
    });
  sink
    .command('replay')
    .description('deliver again from a leaf index (backfill); resumes a paused sink')
    .requiredOption('--tenant <slug>', 'the workspace')
    .requiredOption('--id <uuid>', 'the sink', parseUuid)
    .requiredOption('--from <leaf>', 'the first leaf index to deliver again', parseNonNegativeInteger)
    .action(async (options: SinkOptions & { from: number }) => {
      const { replayAuditSink } = await import('@skillhub/core');
      const replayed = await withRuntimeDatabase(async (db) => {
        const tenant = await tenantBySlug(db, options.tenant);
        return db.withTenant(tenant.id, cliActor(), (tx) => replayAuditSink(tx, options.id, options.from));
      });
      out(`${replayed.name} delivers again from leaf ${options.from} (${replayed.lagEvents} events to send)`);
    });
}
