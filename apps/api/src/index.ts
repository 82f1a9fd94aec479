export type { AppEnv, RequestAuth } from './app-env.ts';
export {
  type AuditExportInput,
  type ExportRange,
  exportRange,
  maxExportDays,
  recordAuditExport,
  streamAuditExport,
} from './audit/export-audit-events.ts';
export { type ExportFormat, exportFormats } from './audit/export-formats.ts';
export { hashPassword, maxPasswordLength, minPasswordLength } from './auth/passwords.ts';
export { type AppConfig, loadConfig } from './config.ts';
export { type AppDependencies, createApp } from './create-app.ts';
export { createEmbeddingProvider } from './embeddings/create-embedding-provider.ts';
export type { EmbeddingProvider } from './embeddings/embedding-provider.ts';
export { AppError, AppErrorCode } from './errors/app-error.ts';
export { type ApiKeyScope, apiKeyScopes, createApiKey, listApiKeys, revokeApiKey } from './identity/api-keys.ts';
export { inviteUser } from './identity/manage-users.ts';
export { type SignInInput, signIn } from './identity/sign-in.ts';
export { type CreateSkillInput, createSkill } from './skills/create-skill.ts';
export { publishVersion } from './skills/publish-version.ts';
export { rateSkill } from './skills/ratings.ts';
export { type ReviewStatus, saveReview } from './skills/reviews.ts';
export { embedSkill } from './skills/skill-embedding.ts';
export { recordUsage } from './skills/usage.ts';
export { type RunningServer, startServer } from './start-server.ts';
