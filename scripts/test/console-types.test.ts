// The console's API types (apps/console/src/api/schema.gen.ts) must be what
// the API's current OpenAPI document generates: a route whose schema changed
// without regenerating fails here, not in a user's browser.
import { readFile } from 'node:fs/promises';
import { openApiDocument } from '@skillhub/api';
import { expect, test } from 'vitest';
import { consoleTypesFile, consoleTypesPath, generateCommand, renderConsoleTypes } from '../render-console-types.ts';

const stale = `${consoleTypesPath} is not what the API's OpenAPI document generates: run \`${generateCommand}\` and commit the result`;

test('the committed console types match the OpenAPI document', async () => {
  const committed = await readFile(consoleTypesFile, 'utf8');
  expect(committed, stale).toBe(await renderConsoleTypes());
});

test('a change to the document changes the rendered types, so the comparison above can fail', async () => {
  const committed = await readFile(consoleTypesFile, 'utf8');
  const document = structuredClone(openApiDocument());
  const skill = document.components?.schemas?.Skill;
  if (!skill || !('properties' in skill) || !skill.properties) throw new Error('the document has no Skill schema');
  skill.properties.plantedField = { type: 'string' };
  const rendered = await renderConsoleTypes(document);
  expect(rendered).not.toBe(committed);
  expect(rendered).toContain('plantedField?: string;');
});
