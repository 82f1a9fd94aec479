/** Retention's deployment-wide settings (SKILLHUB_RETENTION_*). */
export interface RetentionConfig {
  /**
   * No workspace keeps its audit events for fewer days (SKILLHUB_RETENTION_MIN_DAYS, default 30), so an
   * admin account taken over cannot set a policy that empties the ledger.
   */
  minDays: number;
  /** No workspace keeps them longer (SKILLHUB_RETENTION_MAX_DAYS); null: as long as it likes, forever included. */
  maxDays: number | null;
  /** Pause between two runs of the server's maintenance loop (SKILLHUB_RETENTION_INTERVAL_MINUTES, default 60); 0 turns it off. */
  intervalMs: number;
}

const maxPolicyDays = 36_500;

function days(env: NodeJS.ProcessEnv, name: string): number | null {
  const text = env[name];
  if (text === undefined || text === '') return null;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > maxPolicyDays) {
    throw new Error(`${name} is a whole number of days from 1 to ${maxPolicyDays}, not "${text}"`);
  }
  return value;
}

/** Reads and checks the retention settings; throws with the variable's name when one is not valid. */
export function retentionConfigFrom(env: NodeJS.ProcessEnv = process.env): RetentionConfig {
  const minDays = days(env, 'SKILLHUB_RETENTION_MIN_DAYS') ?? 30;
  const maxDays = days(env, 'SKILLHUB_RETENTION_MAX_DAYS');
  if (maxDays !== null && maxDays < minDays) {
    throw new Error(`SKILLHUB_RETENTION_MAX_DAYS (${maxDays}) is below SKILLHUB_RETENTION_MIN_DAYS (${minDays})`);
  }
  const interval = env.SKILLHUB_RETENTION_INTERVAL_MINUTES;
  const minutes = interval === undefined || interval === '' ? 60 : Number(interval);
  if (!Number.isFinite(minutes) || minutes < 0 || minutes > 10_080) {
    throw new Error(`SKILLHUB_RETENTION_INTERVAL_MINUTES is from 0 (off) to 10080 minutes, not "${interval}"`);
  }
  return { minDays, maxDays, intervalMs: minutes * 60_000 };
}
