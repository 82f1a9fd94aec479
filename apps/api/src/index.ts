// The HTTP app. Domain code lives in @skillhub/core; this package only serves it.
export type { AppEnv } from './app-env.ts';
export { type AppDependencies, createApp } from './create-app.ts';
export { openApiDocument } from './openapi/api-reference.ts';
export { type RunningServer, startServer } from './start-server.ts';
export { type SkillhubServer, type StartSkillhubOptions, startSkillhub } from './start-skillhub.ts';
