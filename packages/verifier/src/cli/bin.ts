#!/usr/bin/env node
// The `skillhub-verify` executable: runs the command and exits with its code.
import { run } from './main.ts';

try {
  process.exitCode = await run(process.argv.slice(2));
} catch (error: unknown) {
  // Only a bug lands here; one line, no stack, and an exit code distinct from "problems found".
  process.stderr.write(`skillhub-verify: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 3;
}
