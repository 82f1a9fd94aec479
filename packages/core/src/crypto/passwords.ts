import { hash, verify } from '@node-rs/argon2';

// Algorithm.Argon2id; the package exports it as a const enum, which
// isolated modules cannot read.
const argon2id = 2;
/** OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane. */
const argon2Options = { algorithm: argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const minPasswordLength = 10;
/** Checked before hashing so nobody can make the server hash megabytes. */
export const maxPasswordLength = 256;

export const hashPassword = (password: string): Promise<string> => hash(password, argon2Options);

// Verified against when the account does not exist, so an unknown email
// costs the same time as a wrong password.
let decoyHash: Promise<string> | undefined;

/** True when `password` matches `passwordHash`; with no hash, spends the same time and returns false. */
export async function verifyPassword(passwordHash: string | null | undefined, password: string): Promise<boolean> {
  if (password.length > maxPasswordLength) return false;
  if (!passwordHash) {
    decoyHash ??= hashPassword('decoy password that matches nothing');
    await verify(await decoyHash, password).catch(() => false);
    return false;
  }
  return verify(passwordHash, password).catch(() => false);
}
