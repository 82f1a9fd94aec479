import pg from 'pg';
import { inject } from 'vitest';

/** Runs one statement as the test cluster's administrator (creating or dropping a database), on a connection of its own. */
export async function adminQuery(text: string): Promise<void> {
  const admin = new pg.Client({ connectionString: inject('skillhubTestCluster').adminUrl });
  await admin.connect();
  try {
    await admin.query(text);
  } finally {
    await admin.end();
  }
}
