import type pg from 'pg';
import { beginBoundText, beginReadOnlyBoundText, bindingOf, type TransactionBinding } from './context-token.ts';

/** A session's ticket for its next transaction (migration 0060) and the server start it is valid under. */
export interface Ticket {
  ticket: string;
  bootUs: string;
}

/**
 * The select list that draws the session its next ticket and reports the server start it is valid
 * under (columns `ticket`, `boot_us`): what a transaction's end runs on a direct connection.
 */
export const drawTicketColumns =
  "pg_catalog.nextval('platform.context_ticket')::text as ticket, " +
  '(extract(epoch from pg_catalog.pg_postmaster_start_time()) * 1000000)::bigint::text as boot_us';

/**
 * The ticket each connection's session drew at the end of its last transaction through withTenant,
 * for its next one. Taken by the next transaction, so it is signed into one context only; dropped by
 * a bound BEGIN, whose transaction is bound otherwise.
 */
const tickets = new WeakMap<pg.ClientBase, Ticket>();

/** Keeps the ticket `client`'s session drew (or still holds, unused) for its next transaction. */
export const keepTicket = (client: pg.PoolClient, ticket: Ticket): void => {
  tickets.set(client, { ticket: ticket.ticket, bootUs: ticket.bootUs });
};

/**
 * The binding of `client`'s next transaction known before BEGIN, if its session holds a ticket and
 * `pid` is its backend: the ticket leaves the connection's keeping here.
 */
export function takeTicket(client: pg.PoolClient, pid: number | undefined): (TransactionBinding & Ticket) | undefined {
  const held = tickets.get(client);
  tickets.delete(client);
  return held && pid !== undefined ? { pid, ...held } : undefined;
}

/**
 * BEGIN (READ ONLY where asked) and the binding the database reports for the transaction it opened
 * (backend and start time, migration 0034), in one round trip. Whatever ticket the connection held is
 * dropped unsigned.
 */
export async function beginBound(client: pg.ClientBase, readOnly = false): Promise<TransactionBinding> {
  tickets.delete(client);
  const began = (await client.query(readOnly ? beginReadOnlyBoundText : beginBoundText)) as unknown as pg.QueryResult[];
  return bindingOf(began[1]?.rows[0]);
}
