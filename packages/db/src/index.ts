export {
  and,
  arrayContains,
  asc,
  desc,
  eq,
  gt,
  gte,
  ilike,
  inArray,
  isNull,
  lt,
  lte,
  ne,
  or,
  type SQL,
  sql,
} from 'drizzle-orm';
export { type AuditAction, type AuditEvent, auditActions } from './audit/audit-actions.ts';
export {
  type AuditSealer,
  type AuditSealerOptions,
  defaultCheckpointIntervalMs,
  defaultSealIntervalMs,
} from './audit/audit-sealer.ts';
export {
  type CheckpointSigner,
  checkpointOrigin,
} from './audit/checkpoints/sign-grown-trees.ts';
export {
  type CheckpointKey,
  type CheckpointSigningKey,
  checkpointBody,
  checkpointKeyId,
  checkpointSignedBy,
  generateSignerKey,
  type ParsedCheckpoint,
  parseCheckpointNote,
  parseSignerKey,
  parseVerifierKey,
  signCheckpoint,
  signNote,
  verifierKey,
} from './audit/checkpoints/signed-note.ts';
export {
  type LedgerMonthOrder,
  type OrderedLedgerMonth,
  orderLedgerMonth,
  orderNextLedgerMonth,
  readLedgerMonthOrder,
} from './audit/ordering/order-ledger-month.ts';
export {
  defaultMonthsAhead,
  type EnsureLedgerPartitionsOptions,
  type LedgerPartitionMonth,
} from './audit/partitions/ensure-ledger-partitions.ts';
export type { LedgerPartition } from './audit/partitions/list-ledger-partitions.ts';
export {
  type LedgerMaintenance,
  type MaintainLedgerOptions,
  maintainLedger,
} from './audit/partitions/maintain-ledger.ts';
export type { PartitionMaintainer, PartitionMaintainerOptions } from './audit/partitions/partition-maintainer.ts';
export { type ErasureReport, eraseSubject } from './audit/personal/erase-subject.ts';
export { parseSubject, type Subject, type SubjectKind } from './audit/personal/subject.ts';
export { recordAuditEvent } from './audit/record-audit-event.ts';
export {
  applyRetention,
  type RetentionBounds,
  type RetentionOutcome,
  type RetentionStatus,
} from './audit/retention/apply-retention.ts';
export { type LedgerMonthState, readLedgerMonths } from './audit/retention/ledger-months.ts';
export { type LegalHold, listLegalHolds, placeLegalHold, releaseLegalHold } from './audit/retention/legal-holds.ts';
export { reclaimRetiredMonth } from './audit/retention/reclaim-retired-month.ts';
export { parseRetentionNote, type RetentionNote, retentionNoteSignedBy } from './audit/retention/retention-note.ts';
export { listRetentionRecords, type RetentionRecord } from './audit/retention/retention-records.ts';
export {
  type MonthChain,
  type MonthRetirement,
  type MonthRetirementStatus,
  retireOldestLedgerMonth,
  retireOldestSecurityMonth,
} from './audit/retention/retire-ledger-month.ts';
export {
  assertSigningKey,
  checkSignedChainHead,
  type SignedChainHead,
  type SignedHeadCheck,
  signChainHead,
  signedHeadFormat,
  signedHeadPayload,
} from './audit/signed-chain-head.ts';
export {
  consistencyRanges,
  emptyRoot,
  inclusionRanges,
  type LeafRange,
  leafHash,
  nodeHash,
} from './audit/tree/rfc9162.ts';
export { type BundleLeaf, streamTenantBundle } from './audit/tree/tenant-bundle.ts';
export {
  type CheckpointRecord,
  type InclusionProof,
  readTenantCheckpoint,
  tenantConsistencyProof,
  tenantInclusionProof,
} from './audit/tree/tenant-proofs.ts';
export {
  type TreeBreakKind,
  type TreeHead,
  type TreeVerdict,
  verifyTenantTree,
} from './audit/tree/verify-tenant-tree.ts';
export {
  type ChainBreak,
  type ChainBreakKind,
  type ChainHead,
  type ChainVerdict,
  type VerifyAuditChainOptions,
  type VerifyAuditResult,
  verifyAuditChain,
} from './audit/verify-audit-chain.ts';
export type { ChainWindow } from './audit/verify-chain.ts';
export { verifyTenantAuditChain } from './audit/verify-tenant-audit-chain.ts';
export { startTimerLoop, type TimerLoop, type TimerLoopOptions } from './background/timer-loop.ts';
export { type DoctorOptions, runDoctor } from './checks/run-doctor.ts';
export { type RoleFacts, readRoleFacts, runtimeRoleProblems } from './checks/runtime-role.ts';
export { systemFunctions } from './checks/security-definer.ts';
export { type RlsCve, rlsCves, serverVersionProblems } from './checks/server-version.ts';
export type { CheckSeverity } from './checks/tenant-isolation.ts';
export { type CheckResult, checkTenantIsolation } from './checks/tenant-isolation.ts';
export { classifyDatabaseError, databaseReason } from './classify-database-error.ts';
export { runtimeRoleFromUrl, withCredentials, withDatabase } from './connection-config.ts';
export { Database, type OpenDatabaseOptions } from './database.ts';
export { type EmbeddedServer, startEmbeddedPostgres } from './embedded/embedded-postgres.ts';
export { DbError, DbErrorCode } from './errors.ts';
export {
  type LoginThrottleVerdict,
  logRepeatedSecurityEvent,
  logSecurityEvent,
  type RepeatedSecurityEventInput,
  recordForeignProbe,
  recordHostMismatch,
  type SecurityEventInput,
  shouldBlockLogin,
} from './identity/security-events.ts';
export { createUserSession, type NewSessionInput, terminateSession, touchSession } from './identity/sessions.ts';
export type { RuntimeRoleSpec } from './migrate/ensure-runtime-role.ts';
export { type MigrateResult, type MigrationStatus, migrationStatus, runMigrations } from './migrate/run-migrations.ts';
export type {
  DeploymentSinkAttemptView,
  DeploymentSinkSettings,
  DeploymentSinkState,
  DeploymentSinkTarget,
} from './platform/deployment-sink-settings.ts';
export {
  isNewAccount,
  type MembershipOrigin,
  type MembershipOutcome,
  type MembershipRefusal,
  type NewAccount,
  type SignUpRequestInput,
  type SignUpRequestOutcome,
} from './platform/membership-door.ts';
export { OperatorDoor } from './platform/operator-door.ts';
export type { CreateTenantInput } from './platform/platform-door.ts';
export type { PublicSkill, PublicSkillSummary } from './platform/public-catalog-door.ts';
export type { ResolvedApiKey, ResolvedSession } from './platform/resolved-credentials.ts';
export * from './schema/index.ts';
export { readSelftestRecords, type SelftestRecord } from './selftest/read-selftest-records.ts';
export { runSqlIsolationChecks } from './selftest/run-sql-isolation-checks.ts';
export type { SelftestCheck, SelftestTenant } from './selftest/selftest-check.ts';
export type { AttackSetup } from './selftest/tenant-attacks.ts';
export type { AuditSinkDoor, AuditSinkLease, DeliveryTenantRunner } from './sinks/audit-sink-door.ts';
export type {
  DeploymentAttempt,
  DeploymentBatch,
  DeploymentChainLease,
  DeploymentSinkDoor,
} from './sinks/deployment-sink-door.ts';
export { type ActorType, actorTypes, type RequestActor, systemActor } from './tenant-context/actor.ts';
export { builtOnce, builtOncePerShape, sameTenantBound } from './tenant-context/built-once.ts';
export { parseContextKey, readContextKey } from './tenant-context/context-key.ts';
export type { TenantTx } from './tenant-context/context-store.ts';
export { currentTenantId, sameTenant } from './tenant-context/same-tenant.ts';
export type { WorkerTx } from './tenant-context/worker-transaction.ts';
