import { ErrorCode, isKeySyncError } from '../errors.ts';
import type { ClusterFailure } from './SyncReport.ts';

/**
 * Describes why a whole cluster could not be reconciled, for reports.
 * @param cluster - registered cluster name
 * @param err - what was thrown
 */
export function toClusterFailure(cluster: string, err: unknown): ClusterFailure {
  if (isKeySyncError(err))
    return { cluster, reason: err.code, message: err.message, retryable: err.retryable };
  return {
    cluster,
    reason: ErrorCode.ClusterUnreachable,
    message: `cluster ${cluster} failed: ${err instanceof Error ? err.name : 'unknown error'}`,
    retryable: true,
  };
}
