import { type Database, type VerifyAuditChainOptions, type VerifyAuditResult, verifyAuditChain } from '@skillhub/db';
import { progressBar } from '../output/progress.ts';
import { sealTimeoutMs } from './runtime-session.ts';

/** Seals what writers have committed (waiting out those still committing), then recomputes the chains, with a progress bar. */
export async function sealAndVerify(
  db: Database,
  ownerUrl: string,
  options: Omit<VerifyAuditChainOptions, 'onProgress'>,
): Promise<VerifyAuditResult> {
  await db.sealCommittedAuditEvents(sealTimeoutMs);
  const bar = progressBar('verifying', 'events');
  return verifyAuditChain(ownerUrl, { ...options, onProgress: (checked, total) => bar.update(checked, total) }).finally(
    () => bar.stop(),
  );
}
