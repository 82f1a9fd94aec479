import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  type CheckpointKey,
  type CheckpointSigningKey,
  generateSignerKey,
  parseSignerKey,
  parseVerifierKey,
} from '@skillhub/db';
import { type SecretKeyRing, secretKeyRing } from '../crypto/secret-box.ts';

/** The key that signs audit checkpoints, and the earlier ones whose checkpoints still verify. */
export interface CheckpointKeyRing {
  current: CheckpointSigningKey;
  /** Public halves of retired keys (rotation), newest first. */
  retired: CheckpointKey[];
}

/** The server's own keys; none ever reaches the database. */
export interface ServerKeys {
  /** AES-256-GCM keys for secrets at rest (TOTP): the first seals, all open. */
  secrets(): SecretKeyRing;
  /** HMAC-SHA256 key that signs device cookies. */
  deviceCookie(): Buffer;
  /**
   * The Ed25519 key that signs audit checkpoints, named `deployment` (the
   * checkpoints' key name). Throws when a configured key bears another name.
   */
  checkpoints(deployment: string): CheckpointKeyRing;
}

interface KeyFile {
  secrets: string[];
  deviceCookie: string;
  /** A signer key (`PRIVATE+KEY+<name>+<id>+<base64>`), added on first use by servers that predate it. */
  checkpointKey?: string;
  /** Verifier keys of retired checkpoint keys. */
  checkpointOldKeys?: string[];
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

/** Adds a checkpoint key to a key file that has none (written whole, then renamed over the old one). */
function addCheckpointKey(home: string, deployment: string): KeyFile {
  const file = path.join(home, keyFileName);
  const current = JSON.parse(readFileSync(file, 'utf8')) as KeyFile;
  if (current.checkpointKey) return current;
  const updated: KeyFile = { ...current, checkpointKey: generateSignerKey(deployment) };
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(updated, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, file);
  return updated;
}

function checkpointRing(signerKey: string, oldKeys: string[], deployment: string, source: string): CheckpointKeyRing {
  const current = parseSignerKey(signerKey);
  if (current.name !== deployment) {
    throw new Error(
      `${source} is named "${current.name}" but this deployment is "${deployment}" (SKILLHUB_ORIGIN); checkpoints are signed under the deployment's name`,
    );
  }
  return { current, retired: oldKeys.filter((k) => k.trim()).map((k) => parseVerifierKey(k)) };
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
  let checkpoints: CheckpointKeyRing | undefined;
  return {
    // SKILLHUB_CHECKPOINT_KEY: a signer key as Go's note package writes it
    // (PRIVATE+KEY+<deployment>+<id>+<base64(0x01 ‖ seed)>); while rotating,
    // SKILLHUB_CHECKPOINT_OLD_KEYS lists the old keys' verifier keys, comma-separated.
    checkpoints: (deployment) => {
      if (checkpoints) return checkpoints;
      if (env.SKILLHUB_CHECKPOINT_KEY) {
        checkpoints = checkpointRing(
          env.SKILLHUB_CHECKPOINT_KEY,
          (env.SKILLHUB_CHECKPOINT_OLD_KEYS ?? '').split(','),
          deployment,
          'SKILLHUB_CHECKPOINT_KEY',
        );
      } else {
        fromFile();
        const keys = addCheckpointKey(home, deployment);
        checkpoints = checkpointRing(
          keys.checkpointKey ?? '',
          keys.checkpointOldKeys ?? [],
          deployment,
          `${keyFileName} checkpointKey`,
        );
      }
      return checkpoints;
    },
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

/** Keys given directly (tests, tools): `secrets[0]` seals; a checkpoint key is generated unless given. */
export function fixedServerKeys(keys: {
  secrets: Buffer[];
  deviceCookie: Buffer;
  checkpointKey?: string;
  checkpointOldKeys?: string[];
}): ServerKeys {
  const ring = secretKeyRing(keys.secrets);
  const checkpoints = new Map<string, CheckpointKeyRing>();
  return {
    secrets: () => ring,
    deviceCookie: () => keys.deviceCookie,
    checkpoints: (deployment) => {
      const known =
        checkpoints.get(deployment) ??
        checkpointRing(
          keys.checkpointKey ?? generateSignerKey(deployment),
          keys.checkpointOldKeys ?? [],
          deployment,
          'the checkpoint key',
        );
      checkpoints.set(deployment, known);
      return known;
    },
  };
}
