// Writes apps/console/src/api/schema.gen.ts from the API's OpenAPI document.
// Run with `npm run generate:console-types` after changing a route's schemas.
import { writeFile } from 'node:fs/promises';
import { consoleTypesFile, consoleTypesPath, renderConsoleTypes } from './render-console-types.ts';

await writeFile(consoleTypesFile, await renderConsoleTypes());
console.log(`wrote ${consoleTypesPath}`);
