import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { errorOf, inviteUser, setTenantSettings, signIn } from './support/identity.ts';
import { type SignedUpUser, signUpOwner, startTestServer, type TestServer } from './support/test-server.ts';

// A caller must not learn from a refused sign-in whether the account exists
// or is deactivated: same status, code and message, and about the same time
// (the password hash is verified, or a decoy is, on every path). A throttled
// attempt says sign-in is paused, alike for every email (throttle.test.ts).
let t: TestServer;
let owner: SignedUpUser;
beforeAll(async () => {
  t = await startTestServer();
  owner = await signUpOwner(t, 'acme');
});
afterAll(() => t.close());

const attempt = (email: string, password: string, workspace = 'acme') =>
  signIn(t.client.fork(), email, password, workspace);

test('unknown user, wrong password, deactivated account and unknown workspace answer alike', async () => {
  const locked = await inviteUser(t, owner, 'acme', 'locked@acme.test');
  expect((await owner.client.post(`/users/${locked.userId}/deactivate`)).status).toBe(200);

  const answers = {
    unknownUser: errorOf(await attempt('nobody@acme.test', 'whatever password')),
    wrongPassword: errorOf(await attempt(owner.email, 'wrong password')),
    deactivated: errorOf(await attempt(locked.email, locked.password)),
    unknownWorkspace: errorOf(await attempt(owner.email, owner.password, 'no-such-workspace')),
  };
  expect(answers.wrongPassword).toEqual({
    status: 401,
    code: 'UNAUTHENTICATED',
    message: 'The email, password or workspace is not correct, or sign-in is paused.',
  });
  for (const answer of Object.values(answers)) expect(answer).toEqual(answers.wrongPassword);
});

describe('timing', () => {
  type Path = () => [email: string, password: string, workspace: string];
  const paths: Record<string, Path> = {};
  beforeAll(async () => {
    const timing = await signUpOwner(t, 'timing');
    // Room for every failure below, so that only the throttled path is throttled.
    await setTenantSettings(t, timing.tenantId, { throttle: { maxFailuresPerEmail: 200, maxFailuresPerIp: 200 } });
    const locked = await inviteUser(t, timing, 'timing', 'locked@timing.test');
    expect((await timing.client.post(`/users/${locked.userId}/deactivate`)).status).toBe(200);
    const paused = await signUpOwner(t, 'paused');
    for (let i = 0; i < 5; i++) await attempt(paused.email, 'wrong password', 'paused');
    let unknown = 0;
    paths.wrongPassword = () => [timing.email, 'wrong password', 'timing'];
    paths.unknownUser = () => [`nobody-${++unknown}@timing.test`, 'wrong password', 'timing'];
    paths.deactivated = () => [locked.email, locked.password, 'timing'];
    paths.throttled = () => [paused.email, paused.password, 'paused'];
  });

  // Two more tries: on a shared 2-core machine another test file's password
  // hashing can skew a whole run; a path that skipped the hash (ten times
  // faster) fails every try.
  test(
    'an unknown user, a deactivated account and a throttled attempt take about as long as a wrong password',
    { retry: 2 },
    async () => {
      const times: Record<string, number[]> = {};
      // One warm-up round, then rounds in which every path runs once, so load
      // on the machine falls on all alike. The order rotates each round: under
      // load, back-to-back argon2 verifications alternate fast and slow
      // (measured with one hash verified over and over), so a fixed order
      // would favour a path. Sixteen rounds: with eight, the medians of a full run on 2 cores (other files
      // hashing passwords at the same time, each path's times split between ~35 ms and ~150 ms) flipped
      // either way past 2x three times running, while a path that skipped the hash would still sit near 0.
      const entries = Object.entries(paths);
      for (let round = -1; round < 16; round++) {
        for (let k = 0; k < entries.length; k++) {
          const [name, args] = entries[(k + round + entries.length) % entries.length] as [string, Path];
          const started = performance.now();
          const response = await attempt(...args());
          const elapsed = performance.now() - started;
          expect(response.status).toBe(name === 'throttled' ? 429 : 401);
          if (round >= 0) times[name] = [...(times[name] ?? []), elapsed];
        }
      }
      const median = (values: number[] = []) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
      const baseline = median(times.wrongPassword);
      const report = Object.entries(times)
        .map(([name, values]) => `${name} ${values.map(Math.round).join('/')} ms`)
        .join('; ');
      for (const name of ['unknownUser', 'deactivated', 'throttled']) {
        const ratio = median(times[name]) / baseline;
        expect(ratio, `${name} vs wrongPassword: ${report}`).toBeGreaterThan(0.5);
        expect(ratio, `${name} vs wrongPassword: ${report}`).toBeLessThan(2);
      }
    },
  );
});
