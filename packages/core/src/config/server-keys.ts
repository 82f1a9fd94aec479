import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type SecretKeyRing, secretKeyRing } from '../crypto/secret-box.ts';

/** The server's own keys; neither ever reaches the database. */
export interface ServerKeys {
  /** AES-256-GCM keys for secrets at rest (TOTP): the first seals, all open. */
  secrets(): SecretKeyRing;
  /** HMAC-SHA256 key that signs device cookies. */
  deviceCookie(): Buffer;
}

interface KeyFile {
  secrets: string[];
  deviceCookie: string;
}

const keyFileName = 'server-keys.json';

const decodeKey = (name: string, value: string): Buffer => {
  const key = Buffer.from(value.trim(), 'base64');
  if (key.length !== 32) {
    throw new Error(`${name} must be 32 random bytes in base64 (openssl rand -base64 32); it decodes to ${key.length}`);
  }
  return key;
};

/** Reads `<home>/server-keys.json`, creating it (mode 0600) with fresh keys when it does not exist. */
function readOrCreateKeyFile(home: string): KeyFile {
  const file = path.join(home, keyFileName);
  const fresh: KeyFile = {
    secrets: [randomBytes(32).toString('base64')],
    deviceCookie: randomBytes(32).toString('base64'),
  };
  try {
    mkdirSync(home, { recursive: true });
    // 'wx': of two processes starting at once, one writes and both read its keys.
    writeFileSync(file, `${JSON.stringify(fresh, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new Error(`cannot create ${file}: ${(error as Error).message}`);
    }
  }
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<KeyFile>;
  if (!Array.isArray(parsed.secrets) || parsed.secrets.length === 0 || typeof parsed.deviceCookie !== 'string') {
    throw new Error(`${file} must hold {"secrets": ["<base64>", ...], "deviceCookie": "<base64>"}`);
  }
  return { secrets: parsed.secrets, deviceCookie: parsed.deviceCookie };
}

/**
 * The keys from the environment (`SKILLHUB_SECRETS_KEY`, plus
 * `SKILLHUB_SECRETS_OLD_KEYS` while rotating; `SKILLHUB_DEVICE_COOKIE_KEY`),
 * else from `<SKILLHUB_HOME>/server-keys.json`, generated on first use like
 * the embedded database's credentials. Read once, when first asked for, so
 * a process that never needs them never creates the file.
 */
export function serverKeysFrom(env: NodeJS.ProcessEnv = process.env): ServerKeys {
  const home = path.resolve(env.SKILLHUB_HOME ?? '.skillhub');
  let file: KeyFile | undefined;
  const fromFile = () => {
    file ??= readOrCreateKeyFile(home);
    return file;
  };
  let ring: SecretKeyRing | undefined;
  let device: Buffer | undefined;
  return {
    secrets: () => {
      ring ??= env.SKILLHUB_SECRETS_KEY
        ? secretKeyRing([
            decodeKey('SKILLHUB_SECRETS_KEY', env.SKILLHUB_SECRETS_KEY),
            ...(env.SKILLHUB_SECRETS_OLD_KEYS ?? '')
              .split(',')
              .filter((k) => k.trim())
              .map((k) => decodeKey('SKILLHUB_SECRETS_OLD_KEYS', k)),
          ])
        : secretKeyRing(fromFile().secrets.map((k) => decodeKey(`${keyFileName} secrets`, k)));
      return ring;
    },
    deviceCookie: () => {
      device ??= decodeKey(
        env.SKILLHUB_DEVICE_COOKIE_KEY ? 'SKILLHUB_DEVICE_COOKIE_KEY' : `${keyFileName} deviceCookie`,
        env.SKILLHUB_DEVICE_COOKIE_KEY ?? fromFile().deviceCookie,
      );
      return device;
    },
  };
}

/** Keys given directly (tests, tools): `secrets[0]` seals. */
export function fixedServerKeys(keys: { secrets: Buffer[]; deviceCookie: Buffer }): ServerKeys {
  const ring = secretKeyRing(keys.secrets);
  return { secrets: () => ring, deviceCookie: () => keys.deviceCookie };
}
