import { requireCaller, requireScope } from '@skillhub/core';
import { guard } from '../../openapi/define-route.ts';

/** Users always; API keys with skills:read. */
export const skillReader = guard((auth) => requireScope(requireCaller(auth), 'skills:read'));

/** Users (each action then checks authorship or role); API keys with skills:write. */
export const skillWriter = guard((auth) => requireScope(requireCaller(auth), 'skills:write'));

/** Path parameter of every `/skills/{ref}` route: a skill's id or slug. */
export { SkillRefParam } from './skill-schemas.ts';

/** Users; API keys with skills:read and usage:write. */
export const usageWriter = guard((auth) =>
  requireScope(requireScope(requireCaller(auth), 'skills:read'), 'usage:write'),
);
