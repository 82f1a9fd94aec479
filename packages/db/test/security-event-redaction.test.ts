// The security events' update guard (0047, rewritten by 0085 to compare the rows itself, as a Citus shard
// needs): skillhub_system may redact an event's personal values, as erasure does, and change nothing else;
// no one may delete one.
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';

let testDb: TestDatabase;
let eventId: string;
beforeAll(async () => {
  testDb = await createTestDatabase();
  const { rows } = await testDb.ownerQuery<{ id: string }>(
    `insert into security_events (tenant_id, event_type, severity, email, ip_address, details)
     values ('', 'login_failed', 'medium', 'someone@example.com', '203.0.113.5', '{"reason": "bad_password"}')
     returning id`,
  );
  eventId = rows[0]?.id ?? '';
});
afterAll(() => testDb.drop());

/** Runs `change` as skillhub_system in a transaction of its own that rolls back; its SQLSTATE, or 'ok'. */
async function asSystem(change: string): Promise<string> {
  const client = new pg.Client({ connectionString: testDb.ownerUrl });
  await client.connect();
  try {
    await client.query('begin');
    await client.query('set local role skillhub_system');
    await client.query(change, [eventId]);
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  } finally {
    await client.end();
  }
}

const redaction = `email = null, ip_address = null, details = '{"erased": true}'`;

test('a redaction of the personal values passes', async () => {
  expect(await asSystem(`update security_events set ${redaction} where id = $1`)).toBe('ok');
});

test('a redaction that also changes what happened, or when, is refused (by the column grants first)', async () => {
  for (const extra of [
    `severity = 'low'`,
    `event_type = 'login_success'`,
    `created_at = created_at - interval '1 day'`,
  ]) {
    expect(await asSystem(`update security_events set ${redaction}, ${extra} where id = $1`), extra).toBe('42501');
  }
});

test('a change of the personal columns that is not a redaction is refused by the guard, and so is a delete', async () => {
  expect(await asSystem(`update security_events set details = '{"reason": "other"}' where id = $1`)).toBe('42501');
  expect(await asSystem(`update security_events set email = null, ip_address = null where id = $1`)).toBe('42501');
  expect(await asSystem('delete from security_events where id = $1')).toBe('42501');
});
