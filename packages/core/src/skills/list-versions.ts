import { and, desc, eq, sameTenant, skillVersions, type TenantTx } from '@skillhub/db';
import { findSkill } from './find-skill.ts';
import { versionSummary } from './version-columns.ts';

/** A skill's versions, newest first, without their content. */
export const listVersions = async (tx: TenantTx, ref: string) =>
  tx
    .select(versionSummary)
    .from(skillVersions)
    .where(and(sameTenant(skillVersions.tenantId), eq(skillVersions.skillId, (await findSkill(tx, ref)).id)))
    .orderBy(desc(skillVersions.version));
