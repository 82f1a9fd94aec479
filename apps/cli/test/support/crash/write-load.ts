import { inviteUser } from '@skillhub/core';
import { Database, systemActor } from '@skillhub/db';
import { type Answer, cookieFrom, send } from './http.ts';

/** A workspace the load writes into, as its owner. */
export interface LoadTenant {
  tenantId: string;
  userId: string;
  cookie: string;
}

/** A write the server acknowledged (2xx): it must be in the database and in the ledger, whatever happens next. */
export type Ack =
  | { kind: 'create'; tenantId: string; skillId: string; marker: string }
  | { kind: 'update'; tenantId: string; skillId: string; marker: string }
  | { kind: 'rate'; tenantId: string; skillId: string; userId: string; score: number };

export interface LoadStats {
  acks: Ack[];
  /** Answers by status; 0 counts requests nothing answered (the server was down). */
  statuses: Map<number, number>;
  /** Answers that are neither a success, a 503 nor a missing server: each one is a bug. */
  unexpected: string[];
}

export interface WriteLoad {
  stats: LoadStats;
  /** Resolves once `count` more writes have been acknowledged; rejects after `timeoutMs` (default 60 s). */
  acknowledged(count: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A new workspace and its owner, made as the CLI makes them (sign-up now
 * waits for a mailed link), then signed in over HTTP: the session cookie is
 * the load's credential.
 */
export async function signUpTenant(
  url: string,
  database: { appUrl: string; contextKey(): Promise<string> },
  slug: string,
): Promise<LoadTenant> {
  const email = `owner@${slug}.test`;
  const password = 'correct horse battery staple';
  const db = await Database.open({
    url: database.appUrl,
    contextKey: await database.contextKey(),
    maxConnections: 1,
  });
  try {
    const actor = systemActor('crash-test');
    const tenant = await db.platform.createTenant({ name: slug, slug }, actor);
    await db.withTenant(tenant.id, actor, (tx) =>
      inviteUser(tx, 'owner', { email, displayName: 'Owner', role: 'owner', password }),
    );
  } finally {
    await db.close();
  }
  const answer = await send(url, 'POST', '/auth/sign-in', { body: { email, password, workspace: slug } });
  const body = answer.body as { tenantId?: string; userId?: string };
  if (answer.status !== 200 || !body.tenantId || !body.userId) {
    throw new Error(`sign-in of ${slug}'s owner failed: ${answer.status} ${JSON.stringify(answer.body)}`);
  }
  return { tenantId: body.tenantId, userId: body.userId, cookie: cookieFrom(answer.setCookie) };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `workers` clients writing concurrently across the tenants: skill
 * creations, updates and ratings (each audited: a change record per row and
 * an application event), every one carrying a unique marker or score to
 * find it by afterwards. A worker only updates and rates skills it created,
 * so its acknowledged writes say exactly what the database must hold. The
 * server may be down (no answer) or its database may be (503): the workers
 * back off and carry on. `url()` is read per request: the server may move.
 */
export function startWriteLoad(url: () => string, tenants: LoadTenant[], workers: number): WriteLoad {
  const stats: LoadStats = { acks: [], statuses: new Map(), unexpected: [] };
  let stopped = false;
  const waiters: { target: number; resolve: () => void }[] = [];
  const record = (answer: Answer, what: string) => {
    stats.statuses.set(answer.status, (stats.statuses.get(answer.status) ?? 0) + 1);
    const ok = answer.status >= 200 && answer.status < 300;
    if (!ok && answer.status !== 503 && answer.status !== 0) {
      stats.unexpected.push(`${what}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
    }
    return ok;
  };
  const acknowledge = (ack: Ack) => {
    stats.acks.push(ack);
    for (const waiter of waiters.filter((w) => stats.acks.length >= w.target)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  };

  const run = async (worker: number) => {
    const mine = new Map<string, string[]>(tenants.map((t) => [t.tenantId, []]));
    for (let n = 0; !stopped; n++) {
      const tenant = tenants[(worker + n) % tenants.length] as LoadTenant;
      const skills = mine.get(tenant.tenantId) ?? [];
      const marker = `w${worker}-${n}`;
      const roll = Math.random();
      const skillId = skills[Math.floor(Math.random() * skills.length)];
      let answer: Answer;
      if (!skillId || roll < 0.35) {
        answer = await send(url(), 'POST', '/skills', {
          cookie: tenant.cookie,
          body: { slug: `skill-${marker}`, name: `Skill ${marker}`, description: marker, content: `content ${marker}` },
        });
        const id = (answer.body as { id?: string } | null)?.id;
        if (record(answer, `create ${marker}`) && id) {
          skills.push(id);
          acknowledge({ kind: 'create', tenantId: tenant.tenantId, skillId: id, marker });
        }
      } else if (roll < 0.7) {
        answer = await send(url(), 'PATCH', `/skills/${skillId}`, {
          cookie: tenant.cookie,
          body: { description: marker },
        });
        if (record(answer, `update ${marker}`))
          acknowledge({ kind: 'update', tenantId: tenant.tenantId, skillId, marker });
      } else {
        const score = 1 + (n % 5);
        answer = await send(url(), 'PUT', `/skills/${skillId}/rating`, { cookie: tenant.cookie, body: { score } });
        if (record(answer, `rate ${marker}`)) {
          acknowledge({ kind: 'rate', tenantId: tenant.tenantId, skillId, userId: tenant.userId, score });
        }
      }
      if (answer.status === 0) await pause(100);
      else if (answer.status === 503) await pause(50);
    }
  };
  const running = Promise.all(Array.from({ length: workers }, (_, worker) => run(worker)));
  return {
    stats,
    acknowledged: (count, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          const counts = JSON.stringify(Object.fromEntries(stats.statuses));
          reject(new Error(`${count} writes were not acknowledged within ${timeoutMs} ms (answers: ${counts})`));
        }, timeoutMs);
        waiters.push({
          target: stats.acks.length + count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      }),
    stop: async () => {
      stopped = true;
      await running;
    },
  };
}
