import { and, desc, eq, skillVersions, type TenantTx } from '@skillhub/db';
import { AppError } from '../errors/app-error.ts';

const versionSummary = {
  id: skillVersions.id,
  version: skillVersions.version,
  changelog: skillVersions.changelog,
  createdBy: skillVersions.createdBy,
  createdAt: skillVersions.createdAt,
};

/** A skill's versions, newest first, without their content. */
export const listVersions = (tx: TenantTx, skillId: string) =>
  tx
    .select(versionSummary)
    .from(skillVersions)
    .where(eq(skillVersions.skillId, skillId))
    .orderBy(desc(skillVersions.version));

/** One version with its content. */
export async function getVersion(tx: TenantTx, skillId: string, version: number) {
  const [row] = await tx
    .select({ ...versionSummary, content: skillVersions.content })
    .from(skillVersions)
    .where(and(eq(skillVersions.skillId, skillId), eq(skillVersions.version, version)));
  if (!row) throw new AppError('NOT_FOUND', `Version ${version} does not exist.`);
  return row;
}
