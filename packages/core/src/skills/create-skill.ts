import { recordAuditEvent, skills, type TenantTx } from '@skillhub/db';
import type { RequestAuth } from '../auth/request-auth.ts';
import { AppError } from '../errors/app-error.ts';
import { isUniqueViolation } from '../errors/database-errors.ts';
import { publishVersion } from './publish-version.ts';
import { skillColumns, toSkillView } from './skill-view.ts';

export interface CreateSkillInput {
  slug: string;
  name: string;
  description: string;
  tags: string[];
  visibility?: 'private' | 'internal' | 'public' | undefined;
  content?: string | undefined;
  changelog?: string | undefined;
}

/** Creates a skill; content given at creation is published as version 1. */
export async function createSkill(
  tx: TenantTx,
  auth: RequestAuth,
  input: CreateSkillInput,
  embedding: { model: string; vector: number[] } | null,
) {
  try {
    const [created] = await tx
      .insert(skills)
      .values({
        slug: input.slug,
        name: input.name,
        description: input.description,
        tags: input.tags,
        // An API key writes in its creator's name; the database refuses any other author.
        authorId: auth.userId ?? auth.actor.onBehalfOf ?? null,
        ...(input.visibility && { visibility: input.visibility }),
      })
      .returning(skillColumns);
    if (!created) throw new Error('insert returned nothing');
    await recordAuditEvent({
      action: 'skill.created',
      resourceType: 'skill',
      resourceId: created.id,
      metadata: { slug: created.slug },
    });
    if (input.content !== undefined) {
      await publishVersion(
        tx,
        auth,
        created.id,
        { content: input.content, changelog: input.changelog ?? 'Initial version' },
        embedding,
      );
    }
    return toSkillView({ ...created, latestVersion: input.content === undefined ? 0 : 1 });
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError('CONFLICT', `A skill with slug "${input.slug}" already exists.`);
    throw error;
  }
}
