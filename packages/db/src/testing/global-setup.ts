import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { withDatabase } from '../connection-config.ts';
import { startEmbeddedPostgres } from '../embedded/embedded-postgres.ts';
import { runMigrations } from '../migrate/run-migrations.ts';
import type { TestCluster } from './test-cluster.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    skillhubTestCluster: TestCluster;
  }
}

/**
 * Vitest global setup: one PostgreSQL for the whole run (embedded, or the
 * server named by TEST_DATABASE_URL), with one migrated template database
 * that each test file copies.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const runId = `${process.pid}_${randomBytes(3).toString('hex')}`;
  let adminUrl = process.env.TEST_DATABASE_URL;
  let stopServer = async () => {};
  if (!adminUrl) {
    const dir = path.join(os.tmpdir(), `skillhub-test-${runId}`);
    const server = await startEmbeddedPostgres({
      dir,
      // Prepared transactions only for the sealing horizon's tests (audit-sealing-window.test.ts).
      settings: {
        fsync: 'off',
        synchronous_commit: 'off',
        full_page_writes: 'off',
        max_connections: '300',
        max_prepared_transactions: '8',
      },
    });
    adminUrl = server.ownerUrl;
    stopServer = async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    };
  }
  try {
    return await prepareTemplate(project, adminUrl, runId, stopServer);
  } catch (error) {
    await stopServer();
    throw error;
  }
}

async function prepareTemplate(
  project: TestProject,
  adminUrl: string,
  runId: string,
  stopServer: () => Promise<void>,
): Promise<() => Promise<void>> {
  const template = `skillhub_template_${runId}`;
  const appRole = { name: 'skillhub_test_runtime', password: `test_${randomBytes(9).toString('hex')}` };
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${template}`);
  await admin.end();
  // The role may survive from an earlier run on a shared server; give it this run's password.
  const migrated = await runMigrations(withDatabase(adminUrl, template), appRole);
  if (!migrated.runtimeRole?.created) {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    await client.query(`alter role ${appRole.name} password '${appRole.password}'`);
    await client.end();
  }
  project.provide('skillhubTestCluster', { adminUrl, template, appRole, runId });
  return async () => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    const leftovers = await client.query<{ datname: string }>(`select datname from pg_database where datname like $1`, [
      `%${runId}%`,
    ]);
    for (const { datname } of leftovers.rows) {
      await client.query(`drop database if exists ${datname} with (force)`);
    }
    await client.end();
    await stopServer();
  };
}
