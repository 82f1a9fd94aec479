import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Context } from 'hono';

/** Where the page loads the viewer from: this server, never a CDN (air-gapped installs have none). */
export const viewerPath = '/docs/redoc.standalone.js';

// Redoc's standalone bundle ships in its npm package; it is read from node_modules, not fetched.
const viewerFile = createRequire(import.meta.url).resolve('redoc/bundles/redoc.standalone.js');
let viewer: Promise<string> | undefined;

// The one thing the bundle loads from a CDN: the "API docs by Redocly" logo. An air-gapped
// browser would log a failed request for it, so it becomes an empty inline image.
const cdnAsset = /https:\/\/cdn\.redoc\.ly\/[^"'`]*/g;
const emptyImage = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='1' height='1'/%3E";
const offline = (bundle: string) => bundle.replace(cdnAsset, emptyImage);

// The page may load only this origin: the viewer, the document, its own styles (styled-components
// writes <style> tags) and the search worker Redoc starts from a blob.
const pageHeaders = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; worker-src blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-cache',
};

/**
 * The reference page: Redoc renders `documentPath` with schemas, examples
 * and a sample request and answer per operation. The bundle's own fonts
 * are system ones; the page names no other host.
 */
export const referencePage = (documentPath: string, title: string) => (c: Context) =>
  c.html(
    `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>body{margin:0}</style>
</head>
<body>
<redoc spec-url="${documentPath}" hide-hostname="true" path-in-middle-panel="true" expand-responses="200,201" native-scrollbars="true"></redoc>
<script src="${viewerPath}"></script>
</body>
</html>`,
    200,
    pageHeaders,
  );

/** The viewer's script, read once from node_modules. */
export async function viewerScript(c: Context): Promise<Response> {
  viewer ??= readFile(viewerFile, 'utf8').then(offline);
  return c.body(await viewer, 200, {
    'content-type': 'text/javascript; charset=utf-8',
    'x-content-type-options': 'nosniff',
    'cache-control': 'public, max-age=3600',
  });
}
