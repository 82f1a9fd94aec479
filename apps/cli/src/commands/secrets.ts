import type { Command } from 'commander';
import { out } from '../output/out.ts';
import { progressBar } from '../output/progress.ts';
import { cliActor } from '../runtime/cli-actor.ts';
import { withRuntimeDatabase } from '../runtime/runtime-session.ts';

/**
 * `skillhub secrets reencrypt`: seals every TOTP secret that is not sealed
 * with the current key (plain ones from before sealing, ones under a key
 * being rotated out). `serve` does the same before it listens.
 */
export function registerSecrets(program: Command): void {
  const secrets = program.command('secrets').description('secrets the database keeps sealed (TOTP)');
  secrets
    .command('reencrypt')
    .description('seal every TOTP secret with the current key (SKILLHUB_SECRETS_KEY or SKILLHUB_HOME/server-keys.json)')
    .action(async () => {
      const { loadConfig, reencryptMfaSecrets } = await import('@skillhub/core');
      const ring = loadConfig().keys.secrets();
      const progress = progressBar('sealing', 'workspaces');
      const result = await withRuntimeDatabase((db) =>
        reencryptMfaSecrets(db, ring, cliActor(), (done, total) => progress.update(done, total)),
      ).finally(() => progress.stop());
      out(`${result.resealed} TOTP secrets sealed with key ${ring.current.id} in ${result.tenants} workspaces`);
    });
}
