import { isAdmin, type Me, type Skill } from '../api/types.ts';

/**
 * Whether to offer editing, publishing and deleting `skill`: its author, or
 * an admin or owner. Only what is offered; the API decides again and
 * refuses anyone else.
 */
export const canChangeSkill = (me: Me, skill: Pick<Skill, 'authorId'>): boolean =>
  isAdmin(me.user.role) || skill.authorId === me.user.id;
