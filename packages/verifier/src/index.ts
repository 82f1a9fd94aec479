/**
 * `@skillhub/verify` for Node: everything the browser entry offers, plus the
 * node:crypto hasher. Depends on nothing but Node's standard library.
 */
export * from './browser.ts';
export { checkBundleFile, checkInParallel, type FileCheckOptions, splitRange } from './cli/check-bundle-file.ts';
export { type Io, run } from './cli/main.ts';
export { type ByteRange, maxLineBytes, readLines } from './cli/read-lines.ts';
export { hashLeafText, nodeHasher } from './node-hasher.ts';
