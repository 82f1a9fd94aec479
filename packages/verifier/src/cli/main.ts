/**
 * `skillhub-verify`: checks Skillhub audit evidence offline.
 *
 *   skillhub-verify <bundle.jsonl | -> --key <vkey> [--key-file <file>] [--origin <origin>] [--complete] [--json]
 *   skillhub-verify consistency <checkpoint> <checkpoint> <proof> --key <vkey> [--json]
 *
 * Exit codes: 0 everything holds, 1 a problem was found, 2 the command or a
 * file it names could not be used.
 */
import { parseArgs } from 'node:util';
import { checkBundle } from '../bundle/check-bundle.ts';
import { checkConsistency } from '../check-consistency.ts';
import { hashLeafText, nodeHasher } from '../node-hasher.ts';
import { checkBundleFile } from './check-bundle-file.ts';
import { loadCheckpoint, loadKeys, loadProof, UsageError } from './inputs.ts';
import { bundleJson, bundleLines, consistencyJson, consistencyLines } from './output.ts';
import { readLines } from './read-lines.ts';

/** Where the command writes; the real process streams by default, strings in tests. */
export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Whether to show progress on `err` (a terminal). */
  progress: boolean;
}

const usage = `usage:
  skillhub-verify <bundle.jsonl | -> (--key <vkey> | --key-file <file>) [--origin <origin>] [--complete] [--threads <n>] [--json]
  skillhub-verify consistency <checkpoint> <checkpoint> <proof> (--key <vkey> | --key-file <file>) [--json]
exit codes: 0 everything holds, 1 a problem was found, 2 the command or a file could not be used`;

const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  progress: process.stderr.isTTY === true,
};

/** Runs the command on `argv` (without `node` and the script) and returns its exit code. */
export async function run(argv: readonly string[], io: Io = processIo): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        key: { type: 'string', multiple: true },
        'key-file': { type: 'string' },
        origin: { type: 'string' },
        complete: { type: 'boolean' },
        threads: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      io.out(usage);
      return 0;
    }
    if (positionals[0] === 'consistency') {
      const [, olderPath, newerPath, proofPath, ...extra] = positionals;
      if (!olderPath || !newerPath || !proofPath || extra.length > 0)
        throw new UsageError('consistency takes two checkpoint files and a proof file');
      const keys = await loadKeys(values.key ?? [], values['key-file']);
      const { proof, sizes } = await loadProof(proofPath);
      const report = await checkConsistency({
        older: await loadCheckpoint(olderPath),
        newer: await loadCheckpoint(newerPath),
        proof,
        proofSizes: sizes,
        keys,
        hasher: nodeHasher,
      });
      for (const line of values.json ? [consistencyJson(report)] : consistencyLines(report)) io.out(line);
      return report.ok ? 0 : 1;
    }
    const [path, ...extra] = positionals;
    if (!path || extra.length > 0) throw new UsageError('give one bundle file (or - for standard input)');
    const keys = await loadKeys(values.key ?? [], values['key-file']);
    const started = Date.now();
    const options = {
      keys,
      hasher: nodeHasher,
      hashLeafText,
      expectedOrigin: values.origin,
      requireComplete: values.complete,
      onProgress: io.progress
        ? (events: number) => io.err(`${events} events checked (${((Date.now() - started) / 1000).toFixed(1)} s)`)
        : undefined,
    };
    const report =
      path === '-'
        ? await checkBundle(readLines(path), options)
        : await checkBundleFile(path, { ...options, threads: threadCount(values.threads) });
    for (const line of values.json ? [bundleJson(report)] : bundleLines(report, path)) io.out(line);
    return report.ok ? 0 : 1;
  } catch (error: unknown) {
    const message = usageMessage(error);
    if (message === undefined) throw error;
    io.err(`skillhub-verify: ${message}`);
    return 2;
  }
}

function threadCount(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9][0-9]?$/.test(value)) throw new UsageError('--threads takes a number of threads from 1 to 99');
  return Number(value);
}

/** The one line to print for an error caused by the caller, or `undefined` for a bug. */
function usageMessage(error: unknown): string | undefined {
  if (error instanceof UsageError) return error.message;
  const code = (error as { code?: unknown } | null)?.code;
  // parseArgs' own errors (unknown option, missing value) and files that cannot be opened.
  if (
    typeof code === 'string' &&
    (code.startsWith('ERR_PARSE_ARGS') || ['ENOENT', 'EACCES', 'EISDIR'].includes(code))
  ) {
    return (error as Error).message.split('\n')[0];
  }
  return undefined;
}
