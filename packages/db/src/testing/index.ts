export { ledgerHistoryBeforeSql } from './ledger-clock.ts';
export { type OwnerConnection, openOwnerConnection } from './owner-connection.ts';
export { type PrivateCluster, startPrivateCluster } from './private-cluster.ts';
export { createTestDatabase, type TestCluster, type TestDatabase } from './test-cluster.ts';
