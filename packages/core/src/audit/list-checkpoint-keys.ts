import { type CheckpointKey, verifierKey } from '@skillhub/db';
import type { AppConfig } from '../config/app-config.ts';

export interface CheckpointKeyView {
  key_name: string;
  /** 8 hex digits. */
  key_id: string;
  /** `<name>+<id>+<base64(0x01 ‖ key)>`, as Go's note package reads it. */
  vkey: string;
  /** The raw 32-byte Ed25519 public key, standard base64. */
  public_key: string;
  /** True for the key signing now; false for retired keys whose checkpoints still verify. */
  current: boolean;
}

const view = (key: CheckpointKey, current: boolean): CheckpointKeyView => ({
  key_name: key.name,
  key_id: key.id.toString('hex'),
  vkey: verifierKey(key),
  public_key: key.publicKey.toString('base64'),
  current,
});

/** The public halves of the checkpoint keys, current first: published for anyone to check checkpoints with. */
export function listCheckpointKeys(config: AppConfig): CheckpointKeyView[] {
  const ring = config.keys.checkpoints(config.auditOrigin);
  return [view(ring.current, true), ...ring.retired.map((key) => view(key, false))];
}
