import { randomUUID } from 'node:crypto';
import type { SelftestCheck } from '@skillhub/db';
import type { Canary } from './canaries.ts';
import { errorCodeOf, type ProbeAnswer, type ProbeRequest, probe } from './http-probe.ts';
import { type JsonSchema, type SampleContext, sampleValue } from './sample-value.ts';

interface Operation {
  parameters?: { name: string; in: string; required?: boolean; schema?: JsonSchema }[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}

interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

/** The server under test and A's two credentials, aimed at B. */
export interface HttpAttack {
  url: string;
  /** `<slug>.<baseDomain>` enters a workspace on this server. */
  baseDomain: string;
  a: Canary;
  b: Canary;
  /** A's owner, signed in over HTTP. */
  cookieOfA: string;
  /** A session of B's owner, for the session routes. */
  sessionOfB: string;
}

type Credential = [name: string, headers: Record<string, string>];

const credentialsOf = (attack: HttpAttack): Credential[] => [
  ['session', { cookie: attack.cookieOfA }],
  ['api key', { authorization: `Bearer ${attack.a.apiKey.key}` }],
];

/** B's values found in an answer to A. */
const betrayed = (answer: ProbeAnswer, b: Canary) => b.markers.filter((marker) => answer.text.includes(marker));

const shapeOf = (answer: ProbeAnswer) => {
  const json = answer.json as { error?: Record<string, unknown> } | null;
  if (!json || typeof json !== 'object') return 'not json';
  return [...Object.keys(json), ...Object.keys(json.error ?? {})].sort().join(',');
};

const describeAnswer = (answer: ProbeAnswer) =>
  `${answer.status}${errorCodeOf(answer) ? ` ${errorCodeOf(answer)}` : ''}`;

/**
 * The HTTP half of `skillhub selftest`. Walks the server's own OpenAPI
 * document, so a route added later is attacked without anyone listing it:
 * every listing and search (no path parameter) as A, looking for any of
 * B's values in the answer; B's host and tenant-naming headers with A's
 * credentials; and every route that takes an id, in path, query or body,
 * with B's ids and with unknown ones, as A's session and as A's API key:
 * B's must be refused exactly as an unknown id is (status, error code,
 * body shape), so the answer is no oracle for what exists elsewhere.
 * Listings run first: the probes leave denials in A's own trail, which
 * name B's ids.
 */
export async function httpIsolationChecks(attack: HttpAttack): Promise<SelftestCheck[]> {
  const documentAnswer = await probe(attack.url, { method: 'GET', path: '/openapi.json' });
  if (documentAnswer.status !== 200) throw new Error(`GET /openapi.json answered ${documentAnswer.status}`);
  const document = documentAnswer.json as OpenApiDocument;
  const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ path, method: method.toUpperCase(), operation })),
  );
  const schemas = document.components?.schemas ?? {};
  const checks: SelftestCheck[] = [];
  // The public catalog serves B's public skills to anyone on purpose: it has checks of its own.
  const tenantRoutes = operations.filter(({ path }) => !path.startsWith('/public/'));
  for (const { path, method, operation } of tenantRoutes) {
    if (method !== 'GET' || path.includes('{') || path.startsWith('/health')) continue;
    checks.push(...(await listingChecks(attack, path, operation, schemas)));
  }
  checks.push(...(await hostChecks(attack)));
  checks.push(...(await publicCatalogChecks(attack)));
  for (const { path, method, operation } of tenantRoutes) {
    checks.push(...(await foreignIdChecks(attack, { path, method, operation }, schemas)));
  }
  return checks;
}

/**
 * B's public catalog, without credentials: it lists B's public skill and
 * nothing else of B (no internal or private skill, no person, no key), and
 * a non-public skill of B answers exactly as a slug no workspace has.
 */
async function publicCatalogChecks(attack: HttpAttack): Promise<SelftestCheck[]> {
  const { b } = attack;
  const base = `/public/${encodeURIComponent(b.tenant.slug)}/skills`;
  const shown = b.skills.filter((s) => s.visibility === 'public');
  const hidden = b.skills.filter((s) => s.visibility !== 'public');
  const secret = [...hidden.flatMap((s) => [s.id, s.slug]), b.owner.id, b.member.id, b.owner.email, b.apiKey.id];
  const list = await probe(attack.url, { method: 'GET', path: base });
  const leaked = secret.filter((marker) => list.text.includes(marker));
  const missing = shown.filter((s) => !list.text.includes(s.slug)).map((s) => s.slug);
  const checks: SelftestCheck[] = [
    {
      name: 'http public catalog: GET /public/{workspace}/skills',
      tried: `GET ${base} without credentials: B's public skills, and none of its internal or private skills, people or keys`,
      result: list.status === 200 && leaked.length === 0 && missing.length === 0 ? 'held' : 'failed',
      detail:
        describeAnswer(list) +
        (leaked.length > 0 ? `; not public, yet in the answer: ${leaked.join(', ')}` : '') +
        (missing.length > 0 ? `; public, yet missing: ${missing.join(', ')}` : ''),
    },
  ];
  const unknown = await probe(attack.url, {
    method: 'GET',
    path: `${base}/selftest-unknown-${randomUUID().slice(0, 8)}`,
  });
  for (const skill of hidden) {
    const answer = await probe(attack.url, { method: 'GET', path: `${base}/${encodeURIComponent(skill.slug)}` });
    const same =
      answer.status === unknown.status &&
      errorCodeOf(answer) === errorCodeOf(unknown) &&
      shapeOf(answer) === shapeOf(unknown);
    checks.push({
      name: `http public catalog: GET /public/{workspace}/skills/{slug} (${skill.visibility})`,
      tried: `B's ${skill.visibility} skill by slug without credentials, against a slug no workspace has`,
      result: answer.status === 404 && same ? 'held' : 'failed',
      detail: `B's: ${describeAnswer(answer)}; unknown: ${describeAnswer(unknown)}${same ? '' : '; the answers differ (an oracle)'}`,
    });
  }
  return checks;
}

/** A listing or search as A (its query aimed at B's unique word and ids) shows none of B's values. */
async function listingChecks(
  attack: HttpAttack,
  path: string,
  operation: Operation,
  schemas: Record<string, JsonSchema>,
): Promise<SelftestCheck[]> {
  const context = { schemas, uuid: attack.b.skills[0]?.id ?? randomUUID(), word: attack.b.markers[2] ?? 'selftest' };
  const request = requestFor('GET', path, operation, context, () => '');
  const checks: SelftestCheck[] = [];
  for (const [name, headers] of credentialsOf(attack)) {
    const answer = await probe(attack.url, { ...request, headers });
    const found = betrayed(answer, attack.b);
    checks.push({
      name: `http listing: GET ${path} (${name})`,
      tried: `GET ${request.path} as A's ${name}, looking for any of B's ids, slugs, emails or its unique word`,
      result: found.length === 0 && answer.status < 500 ? 'held' : 'failed',
      detail: `${describeAnswer(answer)}${found.length > 0 ? `; B's values in the answer: ${found.join(', ')}` : ''}`,
    });
  }
  return checks;
}

/** A's credentials on B's host, and with headers that name B, reach nothing of B. */
async function hostChecks(attack: HttpAttack): Promise<SelftestCheck[]> {
  const port = new URL(attack.url).port;
  const hostOfB = `${attack.b.tenant.slug}.${attack.baseDomain}${port ? `:${port}` : ''}`;
  const checks: SelftestCheck[] = [];
  for (const [name, headers] of credentialsOf(attack)) {
    for (const path of ['/auth/me', '/skills']) {
      const answer = await probe(attack.url, { method: 'GET', path, headers, host: hostOfB });
      const found = betrayed(answer, attack.b);
      checks.push({
        name: `http host: GET ${path} on B's host (${name})`,
        tried: `GET ${path} with Host ${hostOfB} and A's ${name}`,
        result: answer.status >= 400 && answer.status < 500 && found.length === 0 ? 'held' : 'failed',
        detail: `${describeAnswer(answer)}${found.length > 0 ? `; B's values: ${found.join(', ')}` : ''}`,
      });
    }
    const naming = {
      ...headers,
      'x-tenant-id': attack.b.tenant.id,
      'x-tenant': attack.b.tenant.slug,
      'x-workspace': attack.b.tenant.slug,
      'x-forwarded-host': hostOfB,
    };
    const answer = await probe(attack.url, { method: 'GET', path: '/skills', headers: naming });
    const found = betrayed(answer, attack.b);
    checks.push({
      name: `http headers: GET /skills naming B (${name})`,
      tried: `GET /skills with A's ${name} and X-Tenant-Id, X-Tenant, X-Workspace, X-Forwarded-Host naming B`,
      result: found.length === 0 && answer.status < 500 ? 'held' : 'failed',
      detail: `${describeAnswer(answer)}${found.length > 0 ? `; B's values: ${found.join(', ')}` : ''}`,
    });
  }
  return checks;
}

/** B's id for a path parameter, by the collection it follows. */
function idOfB(attack: HttpAttack, path: string, parameter: string): string {
  if (parameter === 'version') return '1';
  const collection = path.split(`/{${parameter}}`)[0]?.split('/').pop() ?? '';
  const b = attack.b;
  const skill = b.skills[0]?.id ?? randomUUID();
  return (
    {
      sessions: attack.sessionOfB,
      users: b.owner.id,
      'api-keys': b.apiKey.id,
      skills: skill,
      invitations: b.member.id,
    }[collection] ?? skill
  );
}

/** The request an operation takes: path parameters from `param`, required query and body sampled. */
function requestFor(
  method: string,
  path: string,
  operation: Operation,
  context: SampleContext,
  param: (name: string) => string,
): ProbeRequest {
  const query = new URLSearchParams();
  for (const parameter of operation.parameters ?? []) {
    if (parameter.in === 'query' && parameter.required && parameter.schema) {
      query.set(parameter.name, String(sampleValue(parameter.schema, context, parameter.name)));
    }
  }
  const filled = path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(param(name)));
  const bodySchema = operation.requestBody?.content?.['application/json']?.schema;
  return {
    method,
    path: `${filled}${query.size > 0 ? `?${query}` : ''}`,
    ...(bodySchema && { body: sampleValue(bodySchema, context) }),
  };
}

/**
 * An operation that takes an id (path, query or body), sent with B's ids
 * and with unknown ones: B's must be refused exactly as the unknown.
 * Operations whose request names nothing of B are skipped (they would act
 * on A alone: signing out, say).
 */
async function foreignIdChecks(
  attack: HttpAttack,
  { path, method, operation }: { path: string; method: string; operation: Operation },
  schemas: Record<string, JsonSchema>,
): Promise<SelftestCheck[]> {
  const word = `selftest${randomUUID().slice(0, 8)}`;
  const unknownIds = new Map<string, string>();
  const unknown = (name: string) =>
    name === 'version' ? '1' : (unknownIds.get(name) ?? unknownIds.set(name, randomUUID()).get(name) ?? '');
  const variants: [label: string, foreign: ProbeRequest, unknownTwin: ProbeRequest][] = [];
  const foreignRequest = requestFor(
    method,
    path,
    operation,
    { schemas, uuid: attack.b.skills[0]?.id ?? '', word },
    (name) => idOfB(attack, path, name),
  );
  const unknownRequest = requestFor(method, path, operation, { schemas, uuid: randomUUID(), word }, unknown);
  if (JSON.stringify(foreignRequest) === JSON.stringify(unknownRequest)) return [];
  variants.push(['id', foreignRequest, unknownRequest]);
  if (path.includes('{ref}')) {
    // A skill is also named by its slug: B's slug against one no workspace has.
    const slugOfB = attack.b.skills[0]?.slug ?? '';
    variants.push([
      'slug',
      requestFor(method, path, operation, { schemas, uuid: attack.b.skills[0]?.id ?? '', word }, (name) =>
        name === 'ref' ? slugOfB : idOfB(attack, path, name),
      ),
      requestFor(method, path, operation, { schemas, uuid: randomUUID(), word }, (name) =>
        name === 'ref' ? `selftest-unknown-${word}` : unknown(name),
      ),
    ]);
  }
  const checks: SelftestCheck[] = [];
  for (const [name, headers] of credentialsOf(attack)) {
    for (const [label, foreign, twin] of variants) {
      const answerB = await probe(attack.url, { ...foreign, headers });
      const answerUnknown = await probe(attack.url, { ...twin, headers });
      const found = betrayed(answerB, attack.b);
      const same =
        answerB.status === answerUnknown.status &&
        errorCodeOf(answerB) === errorCodeOf(answerUnknown) &&
        shapeOf(answerB) === shapeOf(answerUnknown);
      checks.push({
        name: `http foreign ${label}: ${method} ${path} (${name})`,
        tried: `${method} ${path} with B's ${label === 'slug' ? 'skill slug' : 'ids'} as A's ${name}, against the same request with unknown ones`,
        result: answerB.status >= 400 && answerB.status < 500 && same && found.length === 0 ? 'held' : 'failed',
        detail:
          `B's: ${describeAnswer(answerB)}; unknown: ${describeAnswer(answerUnknown)}` +
          (same ? '' : '; the answers differ (an oracle)') +
          (found.length > 0 ? `; B's values in the answer: ${found.join(', ')}` : ''),
      });
    }
  }
  return checks;
}
