import { open, rename, rm } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import type { AuditExportInput, BundleEventFormat, ExportFormat, RequestAuth } from '@skillhub/core';
import { type Database, sameTenant, sql, type Tenant } from '@skillhub/db';
import { type Command, Option } from 'commander';
import { progressBar } from '../output/progress.ts';
import { serverCheckpointKeys } from '../runtime/checkpoint-keys.ts';
import { cliAuth } from '../runtime/cli-actor.ts';
import { parseIsoDate } from '../runtime/parse-options.ts';
import { sealTimeoutMs, withRuntimeDatabase } from '../runtime/runtime-session.ts';
import { tenantBySlug } from '../runtime/tenant-by-slug.ts';

// The API's formats, spelled here so that parsing options does not load the API.
const formats = ['jsonl', 'csv', 'ocsf', 'bundle'] as const satisfies readonly (ExportFormat | 'bundle')[];
const bundleEvents = ['jsonl', 'ocsf'] as const satisfies readonly BundleEventFormat[];

interface ExportOptions {
  tenant: string;
  format: ExportFormat | 'bundle';
  events: BundleEventFormat;
  from?: Date;
  to?: Date;
  out?: string;
}

/**
 * `skillhub audit export`: the same bytes as `GET /audit/export` (the
 * API's range rules, encoders and cursor), streamed to a file or stdout,
 * with progress on stderr; recorded as a `data_export` security event and
 * an `audit.exported` audit event before any of it is written.
 */
export function registerAuditExport(audit: Command): void {
  audit
    .command('export')
    .description("stream a tenant's audit events, oldest first, as JSON Lines, CSV or OCSF 1.1.0 JSON")
    .requiredOption('--tenant <slug>', 'the tenant whose events to export')
    .addOption(
      new Option(
        '--format <format>',
        'JSON Lines, CSV, OCSF 1.1.0 JSON, or the evidence bundle (every event with its inclusion proof and the signed checkpoint; --from/--to do not apply)',
      )
        .choices(formats)
        .default('jsonl'),
    )
    .addOption(
      new Option('--events <format>', 'with --format bundle: the events as JSON Lines fields or OCSF')
        .choices(bundleEvents)
        .default('jsonl'),
    )
    .option('--from <iso>', 'events created at or after this time (default: 30 days before --to)', parseIsoDate)
    .option(
      '--to <iso>',
      'events created at or before this time (default: now; at most 366 days after --from)',
      parseIsoDate,
    )
    .option('--out <file>', 'write to this file instead of standard output')
    .action(async (options: ExportOptions) => {
      if (options.format === 'bundle') {
        await exportBundle(options);
        return;
      }
      const format = options.format;
      const { exportRange } = await import('@skillhub/core');
      const range = exportRange(options.from?.toISOString(), options.to?.toISOString());
      const input: AuditExportInput = { format, range };
      const { events, tenant } = await withRuntimeDatabase(async (db) => {
        const tenant = await tenantBySlug(db, options.tenant);
        const events = options.out
          ? await exportToFile(options.out, (target) => exportTo(db, tenant, input, target))
          : await exportTo(db, tenant, input, process.stdout);
        return { events, tenant };
      });
      const span = `${range.from.toISOString()} to ${range.to.toISOString()}`;
      process.stderr.write(
        `exported ${events} audit event${events === 1 ? '' : 's'} of ${tenant.slug} (${span}) as ${options.format}${options.out ? ` to ${options.out}` : ''}\n`,
      );
    });
}

/**
 * The evidence bundle: seals what is committed and signs the grown trees
 * (as the server's sealer does), then writes the bundle at the tenant's
 * latest checkpoint.
 */
async function exportBundle(options: ExportOptions): Promise<void> {
  const { startAuditBundle, streamAuditBundle } = await import('@skillhub/core');
  const { signer } = await serverCheckpointKeys();
  const { events, size } = await withRuntimeDatabase(async (db) => {
    const tenant = await tenantBySlug(db, options.tenant);
    await db.sealCommittedAuditEvents(sealTimeoutMs);
    await db.signAuditCheckpoints(signer);
    const auth = cliAuth(tenant);
    const bundle = await startAuditBundle(db, auth, options.events);
    const produce = async (target: Writable) => {
      const bar = progressBar('exporting', 'events');
      let written = 0;
      target.on('error', () => {});
      try {
        return await streamAuditBundle(db, auth, bundle, (chunk) => {
          written += chunk.split('\n').length - 1;
          bar.update(Math.min(written, bundle.checkpoint.tree_size), bundle.checkpoint.tree_size);
          return new Promise<void>((resolve, reject) =>
            target.write(chunk, (error) => (error ? reject(cutOff(error)) : resolve())),
          );
        });
      } finally {
        bar.stop();
      }
    };
    const events = options.out ? await exportToFile(options.out, produce) : await produce(process.stdout);
    return { events, size: bundle.checkpoint.tree_size };
  });
  process.stderr.write(
    `exported the evidence bundle of ${options.tenant}: ${events} of ${size} leaves with their proofs${options.out ? ` to ${options.out}` : ''}\n`,
  );
}

/** Writes beside the target and renames when complete, so a failed export never leaves a file that looks whole. */
async function exportToFile(file: string, produce: (target: Writable) => Promise<number>): Promise<number> {
  const partial = `${file}.partial`;
  // Opened before anything is recorded or read: a path that cannot be written fails here, in one line.
  const handle = await open(partial, 'w').catch((error: unknown) => {
    throw new Error(`cannot write ${partial}: ${(error as Error).message}`, { cause: error });
  });
  const stream = handle.createWriteStream();
  try {
    const events = await produce(stream);
    await new Promise<void>((resolve, reject) =>
      stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
    await rename(partial, file);
    return events;
  } catch (error) {
    stream.destroy();
    await rm(partial, { force: true });
    throw error;
  }
}

async function exportTo(db: Database, tenant: Tenant, input: AuditExportInput, target: Writable): Promise<number> {
  const { recordAuditExport, streamAuditExport } = await import('@skillhub/core');
  const auth = cliAuth(tenant);
  const total = await countEvents(db, auth, input);
  await recordAuditExport(db, auth, input);
  const bar = progressBar('exporting', 'events');
  let lines = 0;
  const write = (chunk: string) =>
    new Promise<void>((resolve, reject) => {
      // Every format puts one event per line, so line breaks track progress (the count printed at the end is exact).
      lines += chunk.split('\n').length - 1;
      bar.update(Math.min(lines, total), total);
      target.write(chunk, (error) => (error ? reject(cutOff(error)) : resolve()));
    });
  // A failed write is reported to its callback; without a listener the stream would also throw it, with a stack.
  target.on('error', () => {});
  try {
    return await streamAuditExport(db, auth, input, write);
  } finally {
    bar.stop();
  }
}

/** A write failure as one line: a pipe whose reader left (`| head`), a full disk. */
const cutOff = (error: Error) =>
  new Error(
    (error as NodeJS.ErrnoException).code === 'EPIPE'
      ? 'the export was cut off: the program reading it closed the pipe'
      : `the export was cut off: ${error.message}`,
    { cause: error },
  );

/** How many events the export will hold, for the progress bar (the row policy limits the count to the tenant). */
async function countEvents(db: Database, auth: RequestAuth, input: AuditExportInput): Promise<number> {
  return db.withTenant(auth.tenantId, auth.actor, async (tx) => {
    const { rows } = await tx.execute<{ events: number }>(
      sql`select count(*)::int as events from audit_logs
          where ${sameTenant('audit_logs')} and created_at >= ${input.range.from.toISOString()}::timestamptz
            and created_at <= ${input.range.to.toISOString()}::timestamptz`,
    );
    return rows[0]?.events ?? 0;
  });
}
