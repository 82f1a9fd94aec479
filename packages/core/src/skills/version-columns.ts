import { skillVersions } from '@skillhub/db';

export const versionSummary = {
  id: skillVersions.id,
  version: skillVersions.version,
  changelog: skillVersions.changelog,
  createdBy: skillVersions.createdBy,
  createdAt: skillVersions.createdAt,
};
