import { afterAll, beforeAll, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

test('migrated', async () => {
  const r = await db.ownerQuery('select count(*)::int as n from tenants');
  expect(r.rows[0]?.n).toBe(1);
});
