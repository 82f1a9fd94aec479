import { releaseLegalHold as releaseHold } from '@skillhub/db';
import { AppError } from '../errors/app-error.ts';
import { holdReason } from './legal-hold-input.ts';

/**
 * Releases an active hold of the current workspace, recording
 * `legal_hold.released` with the reason. NOT_FOUND when the workspace has
 * no such active hold (another workspace's id included: its holds are
 * invisible here).
 */
export async function releaseLegalHold(id: string, reason: string): Promise<void> {
  if (!(await releaseHold(id, holdReason(reason)))) {
    throw new AppError('NOT_FOUND', 'No active legal hold with this id in this workspace.');
  }
}
