import type { CheckpointSigner } from '@skillhub/db';

/**
 * The checkpoint signer and the keys checkpoints verify with, as the server
 * has them (SKILLHUB_CHECKPOINT_KEY or SKILLHUB_HOME/server-keys.json, the
 * deployment name from SKILLHUB_ORIGIN): the CLI signs and checks as the
 * server does.
 */
export async function serverCheckpointKeys(): Promise<{ signer: CheckpointSigner; vkeys: string[] }> {
  const { checkpointSigner, listCheckpointKeys, loadConfig } = await import('@skillhub/core');
  const config = loadConfig();
  return { signer: checkpointSigner(config), vkeys: listCheckpointKeys(config).map((k) => k.vkey) };
}
