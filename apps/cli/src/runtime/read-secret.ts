/**
 * Reads a secret piped to standard input (`--password-stdin`), without its
 * trailing line break. Refuses a terminal: typed there, the secret would be
 * echoed and land in the scrollback.
 */
export async function readSecretFromStdin(what: string): Promise<string> {
  if (process.stdin.isTTY) {
    throw new Error(`--${what}-stdin reads the ${what} from a pipe, e.g. printf '%s' "$SECRET" | skillhub ...`);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}
