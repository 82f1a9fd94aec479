export type { AppEnv } from './app-env.ts';
export { type AppConfig, loadConfig } from './config.ts';
export { type AppDependencies, createApp } from './create-app.ts';
export { AppError, AppErrorCode } from './errors/app-error.ts';
export { type RunningServer, startServer } from './start-server.ts';
