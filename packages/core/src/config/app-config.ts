import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type RetentionConfig, retentionConfigFrom } from './retention-config.ts';
import { type ServerKeys, serverKeysFrom } from './server-keys.ts';

/** Server settings read from the environment once at start. */
export interface AppConfig {
  /** Requests to `<slug>.<baseDomain>` enter tenant `<slug>`. */
  baseDomain: string;
  /** Mark the session cookie Secure (turn off only for plain-http development). */
  cookieSecure: boolean;
  idleTimeoutMinutes: number;
  absoluteTimeoutHours: number;
  /** Header a trusted proxy sets with the client's country (e.g. cf-ipcountry); unset: location unknown. */
  locationHeader: string | null;
  /**
   * The proxies whose X-Forwarded-For is believed (proxy-addr's names and
   * CIDRs: `loopback`, `10.0.0.0/8`); the client is the rightmost hop that
   * is not one of them. Empty: the socket's address, whatever the header says.
   */
  trustedProxies: string[];
  /** The server's keys (secrets at rest, device cookies), loaded when first used. */
  keys: ServerKeys;
  /** An OpenAI-compatible embeddings endpoint; null: the built-in local provider. */
  embeddings: { baseUrl: string; apiKey: string | null; model: string } | null;
  /** Where links in mail point: the console's pages are under `<publicUrl>/console/`. */
  publicUrl: string;
  /**
   * The deployment name audit checkpoints carry (origin `<name>/audit/<tenant id>`, key name):
   * SKILLHUB_ORIGIN, else the host of SKILLHUB_PUBLIC_URL, else `skillhub.localhost`.
   */
  auditOrigin: string;
  /**
   * How mail leaves: through `smtpUrl` when set, otherwise into files under
   * `outboxDir` and the server log (the embedded default, so a sign-up can
   * be finished without a mail server).
   */
  mail: { smtpUrl: string | null; from: string; outboxDir: string };
  /** Sign-up requests allowed per client IP within the window (counted in the database). */
  signUpThrottle: { maxPerIp: number; windowMinutes: number };
  /** How audit sinks are delivered (see `startAuditSinkWorker`). */
  sinks: SinkConfig;
  /** The bounds on every workspace's retention policy, and how often the server applies them. */
  retention: RetentionConfig;
}

/** Audit sink delivery settings (SKILLHUB_SINK_*). */
export interface SinkConfig {
  /** Let tenants' webhooks reach loopback, private and reserved addresses (SKILLHUB_SINKS_ALLOW_PRIVATE_NETWORK=true). */
  allowPrivateNetwork: boolean;
  /** One webhook exchange is cut off after this long (SKILLHUB_SINK_TIMEOUT_MS, default 10 s). */
  timeoutMs: number;
  /** A sink failing this long is paused, with a security event (SKILLHUB_SINK_PAUSE_AFTER_HOURS, default 24). */
  pauseAfterMs: number;
  /**
   * PEM certificates (a private CA) a `syslog+tls://` deployment sink's receiver may present besides the
   * system's trusted ones, read from the file SKILLHUB_DEPLOYMENT_SINK_CA names.
   */
  syslogCa?: string;
  /** Events per batch while a sink keeps up (SKILLHUB_SINK_BATCH_SIZE, default 500). */
  batchSize: number;
  /**
   * Events per batch a sink that falls behind grows to, doubling from `batchSize` (SKILLHUB_SINK_MAX_BATCH_SIZE,
   * default 2000, at most 5000; chosen with `npm run bench:sinks`, see bench/README.md). Lower it for receivers
   * that refuse bodies of a few megabytes.
   */
  maxBatchSize: number;
  /** How much delivery history is kept (SKILLHUB_SINK_HISTORY_DAYS, default 30; SKILLHUB_SINK_HISTORY_PER_SINK, default 10,000). */
  history: { days: number; perSink: number; everyMs: number };
  /** Pause between polls while no sink is due (default 200 ms). */
  pollMs: number;
  /** Sinks one process delivers at once (default 4). */
  concurrency: number;
  /**
   * How long a process holds a sink it delivers (SKILLHUB_SINK_LEASE_SECONDS, default 60): a process that dies
   * mid-batch delays its sinks by at most this; keep it above the webhook timeout.
   */
  leaseSeconds: number;
  /** Multiplies the retry schedule (1 in production; tests shrink it). */
  retryScale: number;
}

const number = (value: string | undefined, fallback: number) => {
  const parsed = Number(value);
  return value !== undefined && Number.isFinite(parsed) && parsed > 0 ? parsed : fallback;
};

/** See {@link AppConfig.auditOrigin}. */
export function deploymentName(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SKILLHUB_ORIGIN) {
    if (/[\s+]/u.test(env.SKILLHUB_ORIGIN)) throw new Error('SKILLHUB_ORIGIN holds no spaces and no "+"');
    return env.SKILLHUB_ORIGIN;
  }
  if (env.SKILLHUB_PUBLIC_URL) {
    try {
      return new URL(env.SKILLHUB_PUBLIC_URL).host;
    } catch {
      throw new Error('SKILLHUB_PUBLIC_URL is not a URL');
    }
  }
  return 'skillhub.localhost';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  if (env.SKILLHUB_TRUST_PROXY !== undefined) {
    // It trusted the leftmost X-Forwarded-For hop, which any client writes.
    throw new Error(
      'SKILLHUB_TRUST_PROXY is no longer read: list the proxies in front of the server in SKILLHUB_TRUSTED_PROXIES (e.g. loopback,10.0.0.0/8)',
    );
  }
  const baseDomain = (env.SKILLHUB_BASE_DOMAIN ?? 'localhost').toLowerCase();
  return {
    baseDomain,
    cookieSecure: env.SESSION_COOKIE_SECURE !== 'false',
    idleTimeoutMinutes: number(env.SESSION_IDLE_MINUTES, 30),
    absoluteTimeoutHours: number(env.SESSION_ABSOLUTE_HOURS, 12),
    locationHeader: env.SKILLHUB_LOCATION_HEADER?.toLowerCase() ?? null,
    trustedProxies: (env.SKILLHUB_TRUSTED_PROXIES ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean),
    keys: serverKeysFrom(env),
    embeddings: env.EMBEDDINGS_BASE_URL
      ? {
          baseUrl: env.EMBEDDINGS_BASE_URL,
          apiKey: env.EMBEDDINGS_API_KEY ?? null,
          model: env.EMBEDDINGS_MODEL ?? 'text-embedding-3-small',
        }
      : null,
    publicUrl: (env.SKILLHUB_PUBLIC_URL ?? `http://127.0.0.1:${env.PORT ?? 3000}`).replace(/\/+$/, ''),
    auditOrigin: deploymentName(env),
    mail: {
      smtpUrl: env.SMTP_URL || null,
      from: env.MAIL_FROM ?? `Skillhub <skillhub@${baseDomain}>`,
      outboxDir: path.resolve(env.SKILLHUB_HOME ?? '.skillhub', 'mail'),
    },
    signUpThrottle: { maxPerIp: 5, windowMinutes: 15 },
    sinks: {
      allowPrivateNetwork: env.SKILLHUB_SINKS_ALLOW_PRIVATE_NETWORK === 'true',
      timeoutMs: number(env.SKILLHUB_SINK_TIMEOUT_MS, 10_000),
      pauseAfterMs: number(env.SKILLHUB_SINK_PAUSE_AFTER_HOURS, 24) * 3_600_000,
      batchSize: Math.min(number(env.SKILLHUB_SINK_BATCH_SIZE, 500), 5_000),
      maxBatchSize: Math.min(number(env.SKILLHUB_SINK_MAX_BATCH_SIZE, 2_000), 5_000),
      history: {
        days: Math.floor(Math.min(Math.max(number(env.SKILLHUB_SINK_HISTORY_DAYS, 30), 1), 3_650)),
        perSink: Math.floor(Math.min(Math.max(number(env.SKILLHUB_SINK_HISTORY_PER_SINK, 10_000), 100), 10_000_000)),
        everyMs: 3_600_000,
      },
      pollMs: 200,
      concurrency: 4,
      leaseSeconds: Math.min(number(env.SKILLHUB_SINK_LEASE_SECONDS, 60), 3_600),
      retryScale: 1,
      ...(env.SKILLHUB_DEPLOYMENT_SINK_CA ? { syslogCa: readFileSync(env.SKILLHUB_DEPLOYMENT_SINK_CA, 'utf8') } : {}),
    },
    retention: retentionConfigFrom(env),
  };
}
