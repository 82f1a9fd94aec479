import { inviteUser } from '@skillhub/core';
import { Database, systemActor } from '@skillhub/db';
import type { DocumentedStatuses } from './documented-statuses.ts';

/** A workspace of the soak, as its owner (the session cookie from sign-up) and the skills it holds. */
export interface SoakTenant {
  slug: string;
  email: string;
  cookie: string;
  skills: string[];
}

export interface SoakFigures {
  requests: number;
  /** Answers by route and status. */
  answers: Map<string, Map<number, number>>;
  /** Answers their route does not document (a 5xx among them), or requests nothing answered. */
  unexpected: { route: string; status: number; body: string }[];
  /** Latency of every request, in ms. */
  latencies: number[];
}

interface Answer {
  status: number;
  body: string;
}

async function send(baseUrl: string, method: string, path: string, cookie?: string, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (cookie) headers.cookie = cookie;
  if (body !== undefined) headers['content-type'] = 'application/json';
  try {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    return { status: response.status, body: await response.text() };
  } catch (error) {
    return { status: 0, body: String((error as { cause?: unknown }).cause ?? error) };
  }
}

/**
 * A workspace and its owner, made as the CLI makes them (sign-up waits for
 * a mailed link), signed in over HTTP, with `skills` skills.
 */
export async function createSoakTenant(
  baseUrl: string,
  database: { appUrl: string; contextKey: string },
  slug: string,
  skills: number,
): Promise<SoakTenant> {
  const email = `owner@${slug}.test`;
  const password = 'correct horse battery staple';
  const db = await Database.open({ url: database.appUrl, contextKey: database.contextKey, maxConnections: 1 });
  try {
    const actor = systemActor('soak');
    const created = await db.platform.createTenant({ name: slug, slug }, actor);
    await db.withTenant(created.id, actor, (tx) =>
      inviteUser(tx, 'owner', { email, displayName: 'Owner', role: 'owner', password }),
    );
  } finally {
    await db.close();
  }
  const response = await fetch(`${baseUrl}/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password, workspace: slug }),
  });
  if (response.status !== 200) throw new Error(`sign-in to ${slug}: ${response.status} ${await response.text()}`);
  const cookie = response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const tenant: SoakTenant = { slug, email, cookie, skills: [] };
  for (let i = 0; i < skills; i++) {
    const created = await send(baseUrl, 'POST', '/skills', cookie, {
      slug: `seed-${i}`,
      name: `Seed skill ${i}`,
      description: 'seeded before the soak',
      content: `How to do task ${i} well.`,
      tags: ['seed'],
    });
    if (created.status !== 201) throw new Error(`seeding ${slug}: ${created.status} ${created.body}`);
    tenant.skills.push((JSON.parse(created.body) as { id: string }).id);
  }
  return tenant;
}

type Operation = (tenant: SoakTenant, n: number) => { method: string; path: string; body?: unknown; cookie?: string };

const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)] as T;

/** The mix, by weight: mostly reads, a third writes, a few failed sign-ins and missing skills. */
const operations: [weight: number, Operation][] = [
  [35, () => ({ method: 'GET', path: '/skills?limit=20' })],
  [15, (t) => ({ method: 'GET', path: `/skills/${pick(t.skills)}` })],
  [5, () => ({ method: 'GET', path: `/search?q=${pick(['task', 'skill', 'seed', 'well'])}` })],
  [15, (t, n) => ({ method: 'PATCH', path: `/skills/${pick(t.skills)}`, body: { description: `edit ${n}` } })],
  [8, (_t, n) => ({ method: 'POST', path: '/skills', body: { slug: `s-${n}`, name: `Skill ${n}`, content: 'c' } })],
  [12, (t, n) => ({ method: 'PUT', path: `/skills/${pick(t.skills)}/rating`, body: { score: 1 + (n % 5) } })],
  [3, () => ({ method: 'GET', path: '/skills/00000000-0000-4000-8000-000000000000' })],
  [
    4,
    (t) => ({
      method: 'POST',
      path: '/auth/sign-in',
      body: { email: t.email, password: 'not the password', workspace: t.slug },
      cookie: '',
    }),
  ],
];
const totalWeight = operations.reduce((sum, [weight]) => sum + weight, 0);

function chooseOperation(): Operation {
  let roll = Math.random() * totalWeight;
  for (const [weight, operation] of operations) {
    roll -= weight;
    if (roll < 0) return operation;
  }
  return operations[0]?.[1] as Operation;
}

/**
 * `clients` concurrent clients, each sending one request at a time until
 * `deadline` (ms since the epoch), over random tenants; every answer is
 * checked against the statuses its route documents.
 */
export async function runSoakClients(
  baseUrl: string,
  tenants: SoakTenant[],
  documented: DocumentedStatuses,
  clients: number,
  deadline: number,
): Promise<SoakFigures> {
  const figures: SoakFigures = { requests: 0, answers: new Map(), unexpected: [], latencies: [] };
  let serial = 0;
  const client = async () => {
    while (Date.now() < deadline) {
      const tenant = pick(tenants);
      const n = ++serial;
      const request = chooseOperation()(tenant, n);
      const route = documented.routeOf(request.method, request.path) ?? `${request.method} ${request.path}`;
      const started = performance.now();
      const answer = await send(baseUrl, request.method, request.path, request.cookie ?? tenant.cookie, request.body);
      figures.latencies.push(performance.now() - started);
      figures.requests++;
      const byStatus = figures.answers.get(route) ?? new Map<number, number>();
      byStatus.set(answer.status, (byStatus.get(answer.status) ?? 0) + 1);
      figures.answers.set(route, byStatus);
      if (answer.status === 0 || !documented.documents(route, answer.status)) {
        figures.unexpected.push({ route, status: answer.status, body: answer.body.slice(0, 300) });
      }
      if (request.method === 'POST' && request.path === '/skills' && answer.status === 201) {
        tenant.skills.push((JSON.parse(answer.body) as { id: string }).id);
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  return figures;
}
