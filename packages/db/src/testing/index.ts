export { createTestDatabase, type TestCluster, type TestDatabase } from './test-cluster.ts';
