/**
 * `@skillhub/verify` for Node: everything the browser entry offers, plus the
 * node:crypto hasher. Depends on nothing but Node's standard library.
 */
export * from './browser.ts';
export { type Io, run } from './cli/main.ts';
export { maxLineBytes, readLines } from './cli/read-lines.ts';
export { hashLeafText, nodeHasher } from './node-hasher.ts';
