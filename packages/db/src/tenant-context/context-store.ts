import { AsyncLocalStorage } from 'node:async_hooks';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import type * as schema from '../schema/index.ts';
import type { RequestActor } from './actor.ts';

/** What code running inside `withTenant` receives: a Drizzle transaction. */
export type TenantTx = Parameters<Parameters<NodePgDatabase<typeof schema>['transaction']>[0]>[0];

export interface TenantScope {
  tenantId: string;
  actor: RequestActor;
  tx: TenantTx;
  /**
   * The connection the transaction runs on, its tenant context set (sent now if no statement has
   * carried it yet), for what Drizzle cannot send (COPY); never handed outside this package.
   */
  connection: () => Promise<pg.ClientBase>;
}

const store = new AsyncLocalStorage<TenantScope>();

export const runInScope = <T>(scope: TenantScope, fn: () => Promise<T>): Promise<T> => store.run(scope, fn);

/** Runs `fn` outside any enclosing scope, so a withTenant inside it opens its own transaction. */
export const outsideScope = <T>(fn: () => Promise<T>): Promise<T> => store.exit(fn);

/** The transaction of the innermost `withTenant` call, or undefined outside one. */
export const currentScope = (): TenantScope | undefined => store.getStore();
