/**
 * Summarises a V8 CPU profile (`node --cpu-prof`, or `BENCH_CPU_PROF=<dir>
 * npm run bench:api`): where the process spent its samples, by function
 * (self time) and by the package or project folder the code lives in.
 * Usage: npm run bench:profile-summary -- <file.cpuprofile> [--top N]
 */

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatTable } from './lib/print-table.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '25' } },
});
const file = positionals[0];
if (!file) {
  process.stderr.write('usage: npm run bench:profile-summary -- <file.cpuprofile> [--top N]\n');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
const top = Number(flags.top);

/** Where a frame's code lives: a package under node_modules, a folder of this repository, or V8/Node itself. */
function owner(url: string, functionName: string): string {
  if (url === '') return `(${functionName || 'native'})`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg?.[1]) return pkg[1];
  if (url.startsWith('node:')) return 'node internals';
  const repo = /\/(packages\/[^/]+|apps\/[^/]+|bench)\//.exec(url);
  return repo?.[1] ?? url;
}

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfUs = new Map<number, number>();
for (const [i, id] of profile.samples.entries()) selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

const byFunction = new Map<string, number>();
const byOwner = new Map<string, number>();
for (const [id, us] of selfUs) {
  const frame = byId.get(id)?.callFrame;
  if (!frame) continue;
  const where = frame.url
    ? `${frame.url.replace(/^.*\/(node_modules|packages|apps|bench)\//, '$1/')}:${frame.lineNumber + 1}`
    : '';
  const name = `${frame.functionName || '(anonymous)'} ${where}`.trim();
  byFunction.set(name, (byFunction.get(name) ?? 0) + us);
  const who = owner(frame.url, frame.functionName);
  byOwner.set(who, (byOwner.get(who) ?? 0) + us);
}

const rows = (map: Map<string, number>) =>
  [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => [name, `${(us / 1000).toFixed(0)} ms`, `${((100 * us) / total).toFixed(1)} %`]);

process.stdout.write(`${file}: ${(total / 1e6).toFixed(2)} s of samples\n\nby package or folder\n`);
process.stdout.write(`${formatTable([['where', 'self', 'share'], ...rows(byOwner)])}\n`);
process.stdout.write('\nby function (self time)\n');
process.stdout.write(`${formatTable([['function', 'self', 'share'], ...rows(byFunction)])}\n`);
