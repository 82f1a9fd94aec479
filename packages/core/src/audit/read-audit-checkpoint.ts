import { readTenantCheckpoint } from '@skillhub/db';
import { AppError } from '../errors/app-error.ts';
import { type AuditCheckpointView, checkpointView } from './audit-checkpoint-view.ts';

/**
 * The latest signed checkpoint of the current tenant's audit tree. Inside
 * `withTenant`; NOT_FOUND until the server has signed one (within seconds
 * of the first sealed event).
 */
export async function readAuditCheckpoint(): Promise<AuditCheckpointView> {
  const record = await readTenantCheckpoint();
  if (!record) throw new AppError('NOT_FOUND', 'This workspace’s audit tree has no signed checkpoint yet.');
  return checkpointView(record);
}
