import { type Database, type RequestActor, runSqlIsolationChecks, type SelftestCheck, systemActor } from '@skillhub/db';
import { cliVersion } from '../version.ts';
import { type Canary, canaryRun, createCanary } from './canaries.ts';
import { httpIsolationChecks } from './http-checks.ts';
import { probe, signInCookie } from './http-probe.ts';
import { type ServerUnderTest, startLocalServer } from './local-server.ts';
import { removeCanary } from './remove-canaries.ts';
import { reportDigest, type SelftestSignature, type SelftestSummary, signSummary } from './signed-result.ts';

export interface SelftestOptions {
  /** The runtime role's handle, opened as the server opens it. */
  db: Database;
  appUrl: string;
  /** The owner's connection, for the operator door that switches the canaries off. */
  ownerUrl: string;
  contextKey: string;
  /** A running server to attack; without it one is started in this process. */
  url?: string;
  baseDomain?: string;
  /** One line per stage, for stderr. */
  onStage?: (stage: string) => void;
}

export interface SelftestReport {
  summary: SelftestSummary;
  signature: SelftestSignature;
  checks: SelftestCheck[];
}

/**
 * `skillhub selftest`: two canary workspaces, the HTTP and SQL attack
 * catalogues from A against B, the canaries removed, and the signed
 * summary recorded in the system chain (`access_blocked`/info when every
 * check held, `suspicious_activity`/critical when one failed). The
 * canaries are removed even when a stage fails; an operational failure
 * (database or server unreachable) throws and records nothing.
 */
export async function runSelftest(options: SelftestOptions): Promise<SelftestReport> {
  const { db } = options;
  const stage = options.onStage ?? (() => {});
  const started = Date.now();
  const run = canaryRun();
  const actor = systemActor('selftest', `selftest-${run}`);
  stage(`creating canary workspaces selftest-${run}-a and -b`);
  const canaries: Canary[] = [];
  let checks: SelftestCheck[];
  try {
    canaries.push(await createCanary(db, run, 'a', actor), await createCanary(db, run, 'b', actor));
    const [a, b] = canaries as [Canary, Canary];
    checks = await attack(options, a, b, actor, stage);
  } finally {
    stage('removing the canaries');
    for (const canary of canaries) await removeCanary(db, options.ownerUrl, canary, actor);
  }
  const failed = checks.filter((c) => c.result === 'failed');
  const summary: SelftestSummary = {
    kind: 'isolation_selftest',
    version: cliVersion,
    run,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    checks: checks.length,
    held: checks.filter((c) => c.result === 'held').length,
    failed: failed.length,
    noted: checks.filter((c) => c.result === 'noted').length,
    failedChecks: failed.map((c) => c.name),
    canaries: canaries.map((c) => c.tenant.slug),
    reportSha256: reportDigest(checks),
  };
  const signature = signSummary(summary, options.contextKey);
  stage('recording the signed result in the system chain');
  await db.platform.logSecurityEvent(
    {
      type: failed.length === 0 ? 'access_blocked' : 'suspicious_activity',
      severity: failed.length === 0 ? 'info' : 'critical',
      details: { ...summary, signature },
    },
    actor,
  );
  return { summary, signature, checks };
}

async function attack(
  options: SelftestOptions,
  a: Canary,
  b: Canary,
  actor: RequestActor,
  stage: (stage: string) => void,
): Promise<SelftestCheck[]> {
  let server: ServerUnderTest;
  if (options.url) {
    server = { url: options.url, baseDomain: options.baseDomain ?? 'localhost', close: async () => {} };
  } else {
    stage('starting the server in this process');
    server = await startLocalServer(options.appUrl, options.contextKey);
  }
  try {
    stage(`HTTP checks against ${server.url}`);
    const cookieOfA = await signInCookie(server.url, {
      workspace: a.tenant.slug,
      email: a.owner.email,
      password: a.owner.password,
    });
    const cookieOfB = await signInCookie(server.url, {
      workspace: b.tenant.slug,
      email: b.owner.email,
      password: b.owner.password,
    });
    const me = await probe(server.url, { method: 'GET', path: '/auth/me', headers: { cookie: cookieOfB } });
    const sessionOfB = (me.json as { sessionId?: string } | null)?.sessionId;
    if (!sessionOfB) throw new Error(`GET /auth/me as canary B answered ${me.status}`);
    const http = await httpIsolationChecks({
      url: server.url,
      baseDomain: options.baseDomain ?? server.baseDomain,
      a,
      b,
      cookieOfA,
      sessionOfB,
    });
    stage('SQL checks as the runtime role');
    const sqlChecks = await runSqlIsolationChecks({
      db: options.db,
      a: a.tenant,
      b: b.tenant,
      // A's owner, as the server would name them, under the run's request id.
      actor: { actorType: 'user', actorId: a.owner.id, role: 'owner', requestId: actor.requestId, ip: null },
    });
    return [...http, ...sqlChecks];
  } finally {
    await server.close();
  }
}
