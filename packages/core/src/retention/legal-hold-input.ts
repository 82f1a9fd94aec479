import { AppError } from '../errors/app-error.ts';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const email = /^[^\s@]{1,64}@[^\s@]{1,255}$/;

/** A hold's subject as stored: a user id or an email, trimmed and lower-cased; null holds the whole workspace. */
export function holdSubject(subject: string | null | undefined): string | null {
  if (subject === null || subject === undefined) return null;
  const normalized = subject.trim().toLowerCase();
  if (!uuid.test(normalized) && !email.test(normalized)) {
    throw new AppError('VALIDATION_FAILED', 'A hold’s subject is a user id or an email address.', {
      details: { field: 'subject' },
    });
  }
  return normalized;
}

/** Why a hold is placed or released: required, at most 1000 characters. */
export function holdReason(reason: string, field = 'reason'): string {
  const trimmed = reason.trim();
  if (trimmed.length === 0 || trimmed.length > 1000) {
    throw new AppError('VALIDATION_FAILED', 'Give a reason of 1 to 1000 characters.', { details: { field } });
  }
  return trimmed;
}
