import { type LegalHold, placeLegalHold as placeHold } from '@skillhub/db';
import { holdReason, holdSubject } from './legal-hold-input.ts';

export interface PlaceLegalHoldInput {
  /** A user id or an email; null or absent holds the whole workspace. */
  subject?: string | null;
  reason: string;
}

/**
 * Places a legal hold on the current workspace or one of its subjects
 * (inside `withTenant`). The door refuses callers that are not an owner,
 * an admin or a system actor, and records `legal_hold.placed`.
 */
export function placeLegalHold(input: PlaceLegalHoldInput): Promise<LegalHold> {
  return placeHold(holdSubject(input.subject), holdReason(input.reason));
}
