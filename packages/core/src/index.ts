// The domain layer: use cases, authorization, errors. No HTTP; the database only through @skillhub/db.
export {
  type AuditActionFamily,
  auditActionFamilies,
  familySubjects,
  usageNoiseAction,
} from './audit/audit-action-families.ts';
export { type AuditCheckpointView, checkpointSigner, checkpointView } from './audit/audit-checkpoint-view.ts';
export type { AuditEventFilters, AuditEventView } from './audit/audit-event-query.ts';
export { countAuditEventFamilies } from './audit/count-audit-event-families.ts';
export { type EraseDataSubjectInput, eraseDataSubject } from './audit/erase-data-subject.ts';
export {
  type AuditBundle,
  type BundleEventFormat,
  bundleEventFormats,
  canonicalRecord,
  startAuditBundle,
  streamAuditBundle,
} from './audit/export-audit-bundle.ts';
export {
  type AuditExportFilters,
  type AuditExportInput,
  type ExportRange,
  exportRange,
  maxExportDays,
  recordAuditExport,
  streamAuditExport,
} from './audit/export-audit-events.ts';
export { type ExportEncoder, type ExportFormat, exportEncoders, exportFormats } from './audit/export-formats.ts';
export {
  type AuditChainState,
  getAuditChainState,
  type LastVerification,
  type RemovedRange,
} from './audit/get-audit-chain-state.ts';
export { type AuditEventsPage, type ListAuditEventsInput, listAuditEvents } from './audit/list-audit-events.ts';
export { type CheckpointKeyView, listCheckpointKeys } from './audit/list-checkpoint-keys.ts';
export { type ListSecurityEventsInput, listSecurityEvents } from './audit/list-security-events.ts';
export { erasedMarker } from './audit/open-personal-fields.ts';
export { type AuditConsistencyProofView, proveAuditConsistency } from './audit/prove-audit-consistency.ts';
export { type AuditInclusionProofView, proveAuditEvent } from './audit/prove-audit-event.ts';
export { readAuditCheckpoint } from './audit/read-audit-checkpoint.ts';
export { type NamedAuditEvent, type NamedKind, resolveAuditNames } from './audit/resolve-audit-names.ts';
export { type StartAuditExportInput, startAuditExport } from './audit/start-audit-export.ts';
export { type AuditTrailStatus, verifyAuditTrail } from './audit/verify-audit-trail.ts';
export type { RequestAuth, UserAuth } from './auth/request-auth.ts';
export { assertCanChangeSkill } from './authorization/can-change-skill.ts';
export { type DeniedRequest, recordDenial } from './authorization/record-denial.ts';
export {
  type AttemptOrigin,
  recordCredentialOnForeignHost,
  recordForeignAttempt,
} from './authorization/record-foreign-attempt.ts';
export { auditReadScope, requireAuditReader } from './authorization/require-audit-reader.ts';
export { isUser, requireCaller, requireUser } from './authorization/require-caller.ts';
export { requireRole } from './authorization/require-role.ts';
export { requireScope } from './authorization/require-scope.ts';
export { type AppConfig, loadConfig } from './config/app-config.ts';
export { type CheckpointKeyRing, fixedServerKeys, type ServerKeys, serverKeysFrom } from './config/server-keys.ts';
export { type DeviceClaim, deviceTokenDays, issueDeviceToken, readDeviceToken } from './crypto/device-token.ts';
export { hashPassword, maxPasswordLength, minPasswordLength } from './crypto/passwords.ts';
export { isSealed, type SecretKeyRing, secretKeyRing } from './crypto/secret-box.ts';
export { newSessionToken, sha256Hex } from './crypto/tokens.ts';
export { currentTotp } from './crypto/totp.ts';
export { createEmbeddingProvider } from './embeddings/create-embedding-provider.ts';
export type { EmbeddingProvider } from './embeddings/embedding-provider.ts';
export { LocalEmbeddingProvider } from './embeddings/local-embedding-provider.ts';
export { AppError, AppErrorCode, type Denial, type NotFoundProbe } from './errors/app-error.ts';
export { toAppError } from './errors/database-errors.ts';
export { type AcceptInvitationInput, acceptInvitation } from './identity/accept-invitation.ts';
export { type ApiKeyScope, apiKeyScopes, maxApiKeyDays } from './identity/api-key-columns.ts';
export { beginMfaSetup } from './identity/begin-mfa-setup.ts';
export { changePassword } from './identity/change-password.ts';
export { changeUserRole } from './identity/change-user-role.ts';
export { confirmMfaSetup } from './identity/confirm-mfa-setup.ts';
export { createApiKey } from './identity/create-api-key.ts';
export { type CreateInvitationInput, createInvitation } from './identity/create-invitation.ts';
export { deactivateUser } from './identity/deactivate-user.ts';
export { disableMfa } from './identity/disable-mfa.ts';
export { endSession } from './identity/end-session.ts';
export { endSessionsOf } from './identity/end-sessions-of.ts';
export type { NewAccountSession } from './identity/enter-new-account.ts';
export { findUser } from './identity/find-user.ts';
export { getCurrentUser } from './identity/get-current-user.ts';
export { invitationDays } from './identity/invitation-columns.ts';
export { inviteUser } from './identity/invite-user.ts';
export { listApiKeys } from './identity/list-api-keys.ts';
export { listInvitations } from './identity/list-invitations.ts';
export { listSessions } from './identity/list-sessions.ts';
export { listUsers } from './identity/list-users.ts';
export { reactivateUser } from './identity/reactivate-user.ts';
export { type ReencryptResult, reencryptMfaSecrets } from './identity/reencrypt-mfa-secrets.ts';
export { requestSignUp, type SignUpInput, signUpLinkHours } from './identity/request-sign-up.ts';
export { revokeApiKey } from './identity/revoke-api-key.ts';
export { revokeInvitation } from './identity/revoke-invitation.ts';
export { type SignInInput, signIn } from './identity/sign-in.ts';
export { signInPaused } from './identity/sign-in-paused.ts';
export { signOut } from './identity/sign-out.ts';
export type { DeviceInfo } from './identity/start-session.ts';
export { type VerifyEmailInput, verifyEmail } from './identity/verify-email.ts';
export { verifyMfaSignIn } from './identity/verify-mfa-sign-in.ts';
export { createMailDispatcher, MailDispatcher } from './mail/mail-dispatcher.ts';
export type { Mailer, MailLog, MailMessage } from './mail/mailer.ts';
export { consoleLink } from './mail/membership-mails.ts';
export { outboxMailer } from './mail/outbox-mailer.ts';
export { smtpMailer } from './mail/smtp-mailer.ts';
export { decodeCursor, encodeCursor, isoTimestamp } from './pagination/cursor.ts';
export { type PlaceLegalHoldInput, placeLegalHold } from './retention/place-legal-hold.ts';
export { type RetentionState, readRetentionState } from './retention/read-retention-state.ts';
export { releaseLegalHold } from './retention/release-legal-hold.ts';
export { retentionKeys } from './retention/retention-keys.ts';
export { effectiveDays, type RetentionPolicy, readRetentionPolicy } from './retention/retention-policy.ts';
export { readLedgerMonths, retireLedgerMonths } from './retention/retire-ledger-months.ts';
export { retentionActor, runRetention } from './retention/run-retention.ts';
export { setRetentionPolicy } from './retention/set-retention-policy.ts';
export { type RetentionLoop, startRetentionLoop } from './retention/start-retention-loop.ts';
export {
  type EffectiveSetting,
  readEffectiveSettings,
  throttleDefaults,
} from './settings/effective-settings.ts';
export { type PublicSiteSettings, readSettingsFor } from './settings/read-settings-for.ts';
export { readSiteSettings } from './settings/read-site-settings.ts';
export { SiteSettingsDocument } from './settings/site-settings-document.ts';
export { updateSiteSettings } from './settings/update-site-settings.ts';
export { AdaptiveBatchSize } from './sinks/adaptive-batch-size.ts';
export type { AuditSinkView } from './sinks/audit-sink-view.ts';
export {
  type AuditSinkWorker,
  type AuditSinkWorkerOptions,
  type SinkHistoryRetention,
  startAuditSinkWorker,
} from './sinks/audit-sink-worker.ts';
export { retryDelayMs, retryDelaysMs } from './sinks/backoff-schedule.ts';
export { type CreateAuditSinkInput, createAuditSink } from './sinks/create-audit-sink.ts';
export { deleteAuditSink } from './sinks/delete-audit-sink.ts';
export { deliverDeploymentChain } from './sinks/deliver-deployment-chain.ts';
export { type DeliveryOptions, deliverLeasedSink } from './sinks/deliver-leased-sink.ts';
export { type DeploymentSinkInput, deploymentSinkSettings } from './sinks/deployment-sink-settings.ts';
export { findAuditSink } from './sinks/find-audit-sink.ts';
export { listAuditSinks } from './sinks/list-audit-sinks.ts';
export { listSinkAttempts, type SinkAttemptView } from './sinks/list-sink-attempts.ts';
export type { WebhookPolicy, WebhookResponse } from './sinks/post-webhook.ts';
export { replayAuditSink } from './sinks/replay-audit-sink.ts';
export { type SinkFormat, sinkFormats } from './sinks/sink-payload.ts';
export { testAuditSink } from './sinks/test-audit-sink.ts';
export { type DeploymentSinkTestOptions, testDeploymentSink } from './sinks/test-deployment-sink.ts';
export { type UpdateAuditSinkInput, updateAuditSink } from './sinks/update-audit-sink.ts';
export { type CreateSkillInput, createSkill } from './skills/create-skill.ts';
export { deleteSkill } from './skills/delete-skill.ts';
export { findSkillsSimilarTo, findSkillsSimilarToText } from './skills/find-skills-similar-to.ts';
export { getReview } from './skills/get-review.ts';
export { getSkill } from './skills/get-skill.ts';
export { getUsageStats, type UsageStatsInput } from './skills/get-usage-stats.ts';
export { getVersion } from './skills/get-version.ts';
export { listPublicSkills } from './skills/list-public-skills.ts';
export { type ListSkillsInput, listSkills, type SkillSort, skillSorts } from './skills/list-skills.ts';
export { listVersions } from './skills/list-versions.ts';
export { mergeSkills } from './skills/merge-skills.ts';
export { publishSkillVersion } from './skills/publish-skill-version.ts';
export { publishVersion } from './skills/publish-version.ts';
export { rateSkill } from './skills/rate-skill.ts';
export { readPublicSkill } from './skills/read-public-skill.ts';
export { recordUsage } from './skills/record-usage.ts';
export { removeRating } from './skills/remove-rating.ts';
export type { ReviewStatus } from './skills/review-columns.ts';
export { saveReview } from './skills/save-review.ts';
export { searchSkills } from './skills/search-skills.ts';
export { embedSkill } from './skills/skill-embedding.ts';
export { type SkillView, toSkillView } from './skills/skill-view.ts';
export { type UpdateSkillInput, updateSkill } from './skills/update-skill.ts';
export { type UsagePeriod, usagePeriods } from './skills/usage-periods.ts';
export { isIsoInstant } from './validation/iso-instant.ts';
export { findUnstorableText, isStorableText } from './validation/storable-text.ts';
