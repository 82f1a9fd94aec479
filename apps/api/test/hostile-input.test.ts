// Finding 9 of issue 11: 67 × 500 over ~1,070 malformed requests (NUL in
// bodies, queries and paths; impossible cursors and dates). For every
// operation of the OpenAPI document, as an owner, a member and an API key,
// hostile path parameters, query values and bodies must never get a 5xx.
// fast-check prints the seed and the request that failed; replay with
// HOSTILE_SEED=<seed>.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openApiDocument } from '../src/index.ts';
import { apiKeyClient } from './support/audit.ts';
import type { HttpClient } from './support/http-client.ts';
import { inviteUser } from './support/identity.ts';
import { signUpOwner, startTestServer, type TestServer } from './support/test-server.ts';

interface Schema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  format?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  minimum?: number;
  maximum?: number;
}

interface Parameter {
  name: string;
  in: 'path' | 'query';
  schema: Schema;
}

interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  body: Schema | null;
}

const document = openApiDocument() as unknown as {
  paths: Record<
    string,
    Record<string, { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: Schema }> } }>
  >;
  components?: { schemas?: Record<string, Schema> };
};

// Signing out and ending one's other sessions go last: they end the callers' sessions.
const endsSessions = (op: Operation) => /sign-out|end-others/.test(op.path);
const operations: Operation[] = Object.entries(document.paths)
  .flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      parameters: op.parameters ?? [],
      body: op.requestBody?.content['application/json']?.schema ?? null,
    })),
  )
  .sort((a, b) => Number(endsSessions(a)) - Number(endsSessions(b)));

const resolve = (schema: Schema): Schema =>
  schema.$ref ? resolve(document.components?.schemas?.[schema.$ref.split('/').at(-1) ?? ''] ?? {}) : schema;

let t: TestServer;
let callers: Record<'owner' | 'member' | 'apiKey', HttpClient>;
let ids: { own: string; ownSlug: string; foreign: string; user: string };

beforeAll(async () => {
  t = await startTestServer();
  const owner = await signUpOwner(t, 'hostile-a');
  const other = await signUpOwner(t, 'hostile-b');
  const member = await inviteUser(t, owner, 'hostile-a', 'member@hostile-a.test');
  const key = await apiKeyClient(t, owner, ['skills:read', 'skills:write', 'usage:write', 'audit:read']);
  const skill = async (client: HttpClient, slug: string) =>
    (await client.post<{ id: string }>('/skills', { slug, name: slug, content: 'text' })).body.id;
  ids = {
    own: await skill(owner.client, 'own-skill'),
    ownSlug: 'own-skill',
    foreign: await skill(other.client, 'foreign-skill'),
    user: member.userId,
  };
  callers = { owner: owner.client, member: member.client, apiKey: key };
});
afterAll(() => t.close());

// Text PostgreSQL refuses or that strays past every limit, already
// percent-encoded where it goes into a URL (a lone surrogate cannot be
// encoded by encodeURIComponent; its UTF-8-looking bytes can be sent).
const rawUrlText = fc.constantFrom(
  '%00',
  'a%00b',
  '%ED%A0%80',
  '%C0%80',
  '%FF',
  '%',
  '%zz',
  '-'.repeat(36),
  'x'.repeat(300),
  '..%2F..',
  '1e308',
  '-1',
  '99999999999999999999',
  'NaN',
);
const badInstants = ['9999-99-99T99:99:99Z', '0000-01-01T00:00:00Z', '2023-02-29T00:00:00Z', '+275760-09-13T00:00:00Z'];
const hostileText = fc.oneof(
  fc.constantFrom('\u0000', 'a\u0000b', '\ud800', 'x\udfffy', '\udc00\ud800', 'x'.repeat(5_000), ...badInstants),
  fc.string({ unit: 'binary', maxLength: 12 }),
);
const hostileLeaf = fc.oneof(
  hostileText,
  fc.constantFrom(1e308, -1e308, -0, 2 ** 53 + 1, 1.5, -1, 0, true, false, null),
  fc.double(),
  fc.constant(deepNesting(2_000)),
  fc.dictionary(hostileText, hostileText, { maxKeys: 2 }),
  fc.array(hostileText, { maxLength: 3 }),
);
const cursor = fc
  .tuple(
    fc.constantFrom<unknown>(...badInstants, 'not a date', 1e308, -1, '\u0000', '2024-01-01T00:00:00Z', 6),
    fc.constantFrom<unknown>('-'.repeat(36), randomUUID(), '00000000-0000-0000-0000-000000000000', 'x', 5),
  )
  .map((pair) => Buffer.from(JSON.stringify(pair)).toString('base64url'));

function deepNesting(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return value;
}

/** Values shaped like what `schema` asks for, mixed with hostile ones at every level. */
function valueFor(schema: Schema, depth = 0): fc.Arbitrary<unknown> {
  const s = resolve(schema);
  const shaped: fc.Arbitrary<unknown>[] = [];
  if (s.enum?.length) shaped.push(fc.constantFrom(...s.enum));
  for (const option of [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])])
    shaped.push(valueFor(option, depth));
  const types = [s.type ?? []].flat();
  if (types.includes('object') && s.properties && depth < 4) {
    const fields = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, valueFor(v, depth + 1)]));
    shaped.push(fc.record(fields, { requiredKeys: [] }));
  }
  if (types.includes('array') && s.items && depth < 4)
    shaped.push(fc.array(valueFor(s.items, depth + 1), { maxLength: 3 }));
  if (types.includes('string')) {
    shaped.push(
      s.format === 'uuid'
        ? fc.constantFrom(ids.own, ids.foreign, ids.user, randomUUID())
        : fc.string({ maxLength: 20 }),
    );
  }
  if (types.includes('integer') || types.includes('number')) {
    shaped.push(fc.integer({ min: Math.max(s.minimum ?? -5, -1e6), max: Math.min(s.maximum ?? 100, 1e6) }));
  }
  return shaped.length
    ? fc.oneof({ weight: 3, arbitrary: fc.oneof(...shaped) }, { weight: 2, arbitrary: hostileLeaf })
    : hostileLeaf;
}

/** A query value as it goes into the URL: encoded text, or raw hostile bytes. */
const queryValue = (param: Parameter): fc.Arbitrary<string> =>
  fc.oneof(
    param.name === 'cursor'
      ? cursor
      : valueFor(param.schema).map((v) => encode(typeof v === 'string' ? v : (JSON.stringify(v) ?? ''))),
    rawUrlText,
    fc.constantFrom(...badInstants).map(encodeURIComponent),
  );

/** encodeURIComponent, with lone surrogates sent as the bytes a careless client would send. */
const encode = (text: string) =>
  text
    .split(/([\ud800-\udfff])/)
    .map((part) => (/^[\ud800-\udfff]$/.test(part) ? '%ED%A0%80' : encodeURIComponent(part)))
    .join('');

const pathValue = fc.oneof(
  rawUrlText,
  fc.constantFrom(randomUUID(), 'own-skill').map(encodeURIComponent),
  fc.constant(null).map(() => encodeURIComponent(ids.foreign)),
  fc.constant(null).map(() => encodeURIComponent(ids.own)),
);

function requestFor(op: Operation) {
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const queryParams = op.parameters.filter((p) => p.in === 'query');
  return fc.record({
    caller: fc.constantFrom('owner', 'member', 'apiKey') as fc.Arbitrary<keyof typeof callers>,
    path: fc
      .tuple(...pathParams.map(() => pathValue))
      .map((values) => pathParams.reduce((path, p, i) => path.replace(`{${p.name}}`, values[i] ?? ''), op.path)),
    query: fc
      .tuple(
        ...queryParams.map((p) =>
          fc.option(queryValue(p), { nil: undefined }).map((v) => (v === undefined ? null : `${p.name}=${v}`)),
        ),
        fc.option(
          rawUrlText.map((v) => `unknown=${v}`),
          { nil: null },
        ),
      )
      .map((pairs) => pairs.filter((p): p is string => p !== null).join('&')),
    body: op.body
      ? fc.oneof({ weight: 4, arbitrary: valueFor(op.body) }, { weight: 1, arbitrary: hostileLeaf })
      : fc.constant(undefined),
  });
}

const runs = Number(process.env.HOSTILE_RUNS ?? 24);
const seed = process.env.HOSTILE_SEED ? Number(process.env.HOSTILE_SEED) : undefined;

describe.each(operations)('$method $path', (op) => {
  test('no hostile input gets a 5xx, or reaches SQL to be refused there', async () => {
    await fc.assert(
      fc.asyncProperty(requestFor(op), async (request) => {
        const url = request.query ? `${request.path}?${request.query}` : request.path;
        const response = await callers[request.caller].request(op.method, url, {
          ...(request.body !== undefined && { body: request.body }),
        });
        const seen = `${op.method} ${url} as ${request.caller} → ${response.text.slice(0, 300)}`;
        expect(response.status, seen).toBeLessThan(500);
        // Nor does a value reach PostgreSQL only to be refused there (core's
        // answer to the database's INVALID_VALUE): the API refuses it first.
        expect(response.text, seen).not.toContain('A value cannot be stored');
      }),
      { numRuns: runs, seed, endOnFailure: true },
    );
  });
});
