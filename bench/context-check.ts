/**
 * Where the verified tenant context's time goes, per statement, inside
 * PostgreSQL. Every row policy compares a row's tenant with
 * `(select platform.current_tenant_id())`, which verifies the signed
 * context once per statement (migrations 0022, 0034, 0060). This bench
 * builds variants of that check from the database's own
 * `platform.context_claims` with one more part of it left out each time,
 * and times `select (select <variant>())` with `explain analyze` under a
 * signed context, interleaved, against `select 1` and a definer function
 * that returns a constant. Each row's difference from the next is what the
 * part it keeps costs. Usage: npm run bench:context-check -- [--samples N]
 */

import { parseArgs } from 'node:util';
import type { RequestActor } from '@skillhub/db';
import { openRawPool, readBinding, tenantContextSigner } from '@skillhub/db/bench';
import { openBenchDatabase } from './lib/bench-database.ts';
import { positiveInteger } from './lib/positive-integer.ts';
import { serverTimes } from './tenant-context/server-time.ts';

const { values: flags } = parseArgs({ options: { samples: { type: 'string', default: '3000' } } });
const samples = positiveInteger('samples', flags.samples);

const actor: RequestActor = { actorType: 'user', actorId: 'bench-user', role: 'member', requestId: 'bench', ip: null };
const schema = 'bench_context_check';

/** One part of the check, by the text that does it and what stands in for it when left out. */
const parts = [
  {
    name: 'the HMAC of the payload',
    find: /if pg_catalog\.encode\(public\.hmac\([\s\S]*?\) then/,
    without: 'if false then',
  },
  {
    name: 'reading the key from platform.context_keys',
    find: /select k\.secret into secret from platform\.context_keys k[^;]*;/,
    without: "secret := '\\x00'::bytea;",
  },
  {
    name: 'the ticket checks (sequence, server start)',
    find: /if claims \? 'n' then[\s\S]*?elsif/,
    without: 'if false then null; elsif false and',
  },
  {
    name: 'parsing the payload as JSON and the backend check',
    find: /claims := payload::jsonb;/,
    without: `claims := '{"t": "bench-tenant"}'::jsonb;`,
  },
];

/** The check's body from the database, each `return claims` made to return the tenant as current_tenant_id does. */
function variantBody(definition: string, leftOut: number): string {
  const body = definition.match(/AS \$function\$([\s\S]*)\$function\$/)?.[1];
  if (!body) throw new Error('platform.context_claims has no body to read');
  let text = body.replaceAll('return claims;', "return nullif(claims ->> 't', '');");
  for (const part of parts.slice(0, leftOut)) {
    if (!part.find.test(text)) throw new Error(`platform.context_claims changed: "${part.name}" not found`);
    text = text.replace(part.find, part.without);
  }
  if (leftOut >= 4) text = text.replace(/if claims ->> 'p' is distinct from[\s\S]*?end if;/, '');
  return text;
}

async function main(): Promise<void> {
  const bench = await openBenchDatabase({});
  const owner = openRawPool({ connectionString: bench.ownerUrl, max: 1 });
  const app = openRawPool({ connectionString: bench.appUrl, max: 1, idleTimeoutMillis: 0 });
  try {
    const { rows } = await owner.query<{ def: string }>(
      "select pg_get_functiondef('platform.context_claims()'::regprocedure) as def",
    );
    const definition = rows[0]?.def ?? '';
    const definer = "language plpgsql stable security definer set search_path = ''";
    const functions = [0, 1, 2, 3, 4].map((leftOut) => ({ name: `check_without_${leftOut}`, leftOut }));
    await owner.query(`create schema ${schema}`);
    for (const fn of functions) {
      await owner.query(
        `create function ${schema}.${fn.name}() returns text ${definer} as $body$${variantBody(definition, fn.leftOut)}$body$`,
      );
    }
    await owner.query(
      `create function ${schema}.constant() returns text ${definer} as $body$begin return 'x'; end$body$`,
    );
    await owner.query(
      `grant usage on schema ${schema} to public; grant execute on all functions in schema ${schema} to public`,
    );

    const rowsToTime = [
      {
        label: "platform.current_tenant_id() (the policies' check)",
        statement: 'select (select platform.current_tenant_id())',
      },
      ...functions.map((fn) => ({
        label:
          fn.leftOut === 0
            ? 'the check in one definer function'
            : `  without ${parts
                .slice(0, fn.leftOut)
                .map((p) => p.name)
                .join(', ')}`,
        statement: `select (select ${schema}.${fn.name}())`,
      })),
      { label: 'a definer function returning a constant', statement: `select (select ${schema}.constant())` },
      { label: 'select 1', statement: 'select 1' },
    ];
    const sign = tenantContextSigner(bench.contextKey);
    const times = await serverTimes(
      rowsToTime.map((row) => ({
        pool: app,
        prepare: async (client) => void (await client.query(...sign('bench-tenant', actor, await readBinding(client)))),
        statement: () => [row.statement, []],
      })),
      { samples, rounds: 10 },
    );
    console.log('the verified tenant context, per statement, inside PostgreSQL');
    console.log(
      `  ${bench.where}; explain (analyze) medians of ${samples} per row, planning + execution, 10 interleaved rounds`,
    );
    for (const [i, row] of rowsToTime.entries()) {
      const t = times[i];
      if (!t) continue;
      const total = t.planningUs + t.executionUs;
      const next = times[i + 1];
      const part =
        next && i > 0 && i < rowsToTime.length - 1
          ? `  (${(total - next.planningUs - next.executionUs).toFixed(1)} µs more than the next row)`
          : '';
      console.log(`  ${total.toFixed(1).padStart(7)} µs  ${row.label}${part}`);
    }
  } finally {
    await app.end();
    await owner.end();
    await bench.close();
  }
}

await main();
