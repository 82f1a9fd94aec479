import { requireCaller, requireScope } from '@skillhub/core';
import { guard } from '../../openapi/define-route.ts';
import { usersOrKeysWith } from '../../openapi/route-access.ts';

/** Users always; API keys with skills:read. What a private skill shows is the database's decision (migration 0024). */
export const skillReader = guard(
  (auth) => requireScope(requireCaller(auth), 'skills:read'),
  usersOrKeysWith('skills:read'),
);

/** Users (each action then checks authorship or role); API keys with skills:write. */
export const skillWriter = guard(
  (auth) => requireScope(requireCaller(auth), 'skills:write'),
  usersOrKeysWith('skills:write'),
);

/** Path parameter of every `/skills/{ref}` route: a skill's id or slug. */
export { SkillRefParam } from './skill-schemas.ts';

/**
 * Users; API keys with usage:write, which alone is enough: an agent that
 * reports its uses needs no right to read skills (it names the skill it
 * used, and learns no more than whether that skill is there for its key).
 */
export const usageWriter = guard(
  (auth) => requireScope(requireCaller(auth), 'usage:write'),
  usersOrKeysWith('usage:write'),
);
