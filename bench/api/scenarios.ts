import { type BenchTenant, skillId } from './load-catalog.ts';

/** One HTTP request, as the load generator sends it. */
export interface BenchRequest {
  method: 'GET' | 'PUT';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface Scenario {
  key: 'list' | 'read' | 'rate' | 'floor' | 'transaction';
  title: string;
  /** A fresh request: a random tenant's credential, a random skill of that tenant. */
  next(): BenchRequest;
}

const pick = <T>(items: T[]): T => {
  const item = items[Math.floor(Math.random() * items.length)];
  if (item === undefined) throw new Error('nothing to pick from');
  return item;
};

/** The three benchmarked requests, over `tenants` with `skillsPerTenant` skills each. */
export function scenarios(tenants: BenchTenant[], skillsPerTenant: number): Scenario[] {
  const bearer = (t: BenchTenant) => ({ authorization: `Bearer ${t.apiKey}` });
  const randomSkill = (t: BenchTenant) => skillId(t.id, 1 + Math.floor(Math.random() * skillsPerTenant));
  return [
    {
      key: 'list',
      title: 'skill list: GET /skills?limit=20, API key of a random tenant',
      next: () => ({ method: 'GET', path: '/skills?limit=20', headers: bearer(pick(tenants)) }),
    },
    {
      key: 'read',
      title: 'skill read: GET /skills/<id>, a random skill of a random tenant, by its API key',
      next: () => {
        const t = pick(tenants);
        return { method: 'GET', path: `/skills/${randomSkill(t)}`, headers: bearer(t) };
      },
    },
    {
      key: 'rate',
      title: 'rating write: PUT /skills/<id>/rating {"score": 1..5}, session cookie of a random tenant user',
      next: () => {
        const t = pick(tenants);
        return {
          method: 'PUT',
          path: `/skills/${randomSkill(t)}/rating`,
          headers: { cookie: `skillhub_session=${t.sessionToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ score: 1 + Math.floor(Math.random() * 5) }),
        };
      },
    },
  ];
}

/**
 * `--split`: a skill read and the two layers under it (split-routes.ts), each asked for the same
 * random skill of a random tenant by its API key.
 */
export function splitScenarios(tenants: BenchTenant[], skillsPerTenant: number): Scenario[] {
  const read = scenarios(tenants, skillsPerTenant).find((s) => s.key === 'read');
  if (!read) throw new Error('no read scenario');
  const layer = (key: 'floor' | 'transaction', title: string): Scenario => ({
    key,
    title,
    next: () => {
      const request = read.next();
      return { ...request, path: request.path.replace('/skills/', `/bench/${key}/`) };
    },
  });
  return [
    layer('floor', 'HTTP, middleware and the API key'),
    layer('transaction', '+ a tenant transaction, one trivial statement'),
    { ...read, title: '+ the skill read itself (the real route)' },
  ];
}
