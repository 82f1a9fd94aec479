/**
 * What the demo tells its user to do next: open the server that already
 * runs from this SKILLHUB_HOME (its address as it recorded it), or start
 * one. With DATABASE_URL no record says whether or where a server runs.
 */
export function demoNextSteps(options: { embedded: boolean; runningUrl: string | null; port: string | undefined }) {
  const signIn = 'sign in with a workspace, email and password above.';
  if (options.runningUrl)
    return [`\nSkillhub is running at ${options.runningUrl}: open ${options.runningUrl}/console/ and ${signIn}`];
  const server = options.embedded
    ? 'npx skillhub serve'
    : 'npx skillhub serve   (with the same DATABASE_URL and APP_DATABASE_URL)';
  return [
    `\nStart the server:  ${server}`,
    `Then open http://127.0.0.1:${options.port ?? 3000}/console/ and ${signIn}`,
  ];
}
