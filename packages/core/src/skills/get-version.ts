import { and, eq, sameTenant, skillVersions, type TenantTx } from '@skillhub/db';
import { AppError } from '../errors/app-error.ts';
import { findSkill } from './find-skill.ts';
import { versionSummary } from './version-columns.ts';

/** One version with its content. */
export async function getVersion(tx: TenantTx, ref: string, version: number) {
  const skillId = (await findSkill(tx, ref)).id;
  const [row] = await tx
    .select({ ...versionSummary, content: skillVersions.content })
    .from(skillVersions)
    .where(
      and(sameTenant(skillVersions.tenantId), eq(skillVersions.skillId, skillId), eq(skillVersions.version, version)),
    );
  if (!row) throw new AppError('NOT_FOUND', `Version ${version} does not exist.`);
  return row;
}
