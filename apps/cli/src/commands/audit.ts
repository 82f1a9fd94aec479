import type { Command } from 'commander';
import { registerAuditCheckpoint } from './audit-checkpoint.ts';
import { registerAuditExport } from './audit-export.ts';
import { registerAuditProve } from './audit-prove.ts';
import { registerAuditSignedHead } from './audit-signed-head.ts';
import { registerAuditVerify } from './audit-verify.ts';

/** `skillhub audit ...`: work on the tamper-evident ledger. */
export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('verify or export the tamper-evident audit ledger');
  registerAuditVerify(audit);
  registerAuditExport(audit);
  registerAuditSignedHead(audit);
  registerAuditCheckpoint(audit);
  registerAuditProve(audit);
}
