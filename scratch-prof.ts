import { readFileSync } from 'node:fs';
import { hash } from 'node:crypto';
import { canonicalText } from './packages/db/src/audit/ledger-stream/canonical-text.ts';
const buf = readFileSync('/tmp/vcopy.txt');
const chunks: Buffer[] = [];
for (let i = 0; i < buf.length; i += 65536) chunks.push(buf.subarray(i, i + 65536));
for (let round = 0; round < 3; round++) {
  let t = performance.now(); let n = 0;
  const rows: string[] = [];
  let pending: Buffer[] = [];
  for (const chunk of chunks) {
    const end = chunk.lastIndexOf(10);
    const complete = pending.length ? Buffer.concat([...pending, chunk.subarray(0, end)]) : chunk.subarray(0, end);
    pending = [chunk.subarray(end + 1)];
    for (const line of complete.toString('utf8').split('\n')) { rows.push(line); n++; }
  }
  const t1 = performance.now();
  const split = rows.map((r) => r.split('\t'));
  const t2 = performance.now();
  const texts = split.map((f) => canonicalText(f, 8));
  const t3 = performance.now();
  let x = 0;
  for (const s of texts) x ^= hash('sha256', `\u0000${s}`, 'buffer')[0] as number;
  const t4 = performance.now();
  for (const f of split) x ^= Buffer.from(f[3] as string, 'hex')[0] as number;
  const t5 = performance.now();
  console.log(n, 'decode+lines', (t1 - t).toFixed(0), 'split', (t2 - t1).toFixed(0), 'canonical', (t3 - t2).toFixed(0), 'hash', (t4 - t3).toFixed(0), 'hex', (t5-t4).toFixed(0), x);
}
