import { type ErasureReport, eraseSubject, parseSubject } from '@skillhub/db';
import { AppError } from '../errors/app-error.ts';

export interface EraseDataSubjectInput {
  /** A user id or an email address, optionally prefixed `user:` / `email:`. */
  subject: string;
  /** Report what erasure would make unreadable, and change nothing. */
  dryRun: boolean;
}

/**
 * Erases a person's data in the caller's workspace (crypto-shredding): their
 * keys are destroyed, so every personal value the ledger sealed under them
 * reads as erased while the chain, the tree and every proof still verify.
 * The caller's role is checked by its entry point (owners and admins) and
 * again by the database. A member still active is refused (CONFLICT):
 * deactivate them first. A subject this workspace holds nothing of is
 * NOT_FOUND, whichever workspace it belongs to. Runs in the caller's
 * `withTenant` transaction (the erasure and its `subject.erased` record
 * commit together).
 */
export async function eraseDataSubject(input: EraseDataSubjectInput): Promise<ErasureReport> {
  const subject = parseSubject(input.subject);
  if (!subject) {
    throw new AppError('VALIDATION_FAILED', 'A subject is a user id or an email address.');
  }
  return eraseSubject(subject, { dryRun: input.dryRun });
}
