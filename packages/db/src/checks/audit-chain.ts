import { verifyAuditChain } from '../audit/verify-audit-chain.ts';
import { type CheckResult, checkResult } from './tenant-isolation.ts';

/**
 * The third guard of the append-only ledger, the one a superuser cannot
 * switch off: every sealed event still matches its seal and the chain of
 * hashes is unbroken. One row when all chains hold, one per broken chain.
 */
export async function checkAuditChain(
  ownerUrl: string,
  onProgress?: (checked: number, total: number) => void,
): Promise<CheckResult[]> {
  const result = await verifyAuditChain(ownerUrl, { onProgress });
  if (result.intact) {
    return [
      checkResult(
        'audit_chain',
        'audit_logs',
        null,
        'error',
        `${result.events} sealed events in ${result.chains.length} chains verify`,
      ),
    ];
  }
  return result.chains
    .filter((chain) => !chain.intact)
    .map((chain) =>
      checkResult('audit_chain', chain.chain ? `chain of tenant ${chain.chain}` : 'system chain', {
        detail: `broken at position ${chain.break?.position ?? '?'}: ${chain.break?.kind} (${chain.break?.detail})`,
        fix: 'the ledger was changed outside the application: investigate, and restore the event from a backup',
      }),
    );
}
