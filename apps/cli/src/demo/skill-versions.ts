import type { DemoSkill } from './demo-skills.ts';

export interface DemoVersion {
  content: string;
  changelog: string;
}

/** Every version of a demo skill, oldest first: each later one adds its paragraph to the one before. */
export function versionsOf(skill: DemoSkill): DemoVersion[] {
  const versions: DemoVersion[] = [{ content: skill.content, changelog: 'Initial version' }];
  for (const revision of skill.revisions) {
    const previous = versions.at(-1)?.content ?? skill.content;
    versions.push({ content: `${previous}\n\n${revision.adds}`, changelog: revision.changelog });
  }
  return versions;
}
