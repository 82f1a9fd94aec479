export { findFreePort } from '../embedded/free-port.ts';
export { crashPostmaster } from './crash-postmaster.ts';
export { ledgerHistoryBeforeSql } from './ledger-clock.ts';
export { openRuntimeDatabase } from './open-runtime-database.ts';
export { type OwnerConnection, openOwnerConnection } from './owner-connection.ts';
export { type PrivateCluster, startPrivateCluster } from './private-cluster.ts';
export { createTestDatabase, type TestCluster, type TestDatabase } from './test-cluster.ts';
