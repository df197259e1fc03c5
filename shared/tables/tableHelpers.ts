import type { TableClient } from '@azure/data-tables';

import { defaultAzureTimeoutInMs } from '../timeouts/defaultAzureTimeout.ts';
import { ErrorCode, KeySyncError } from '../errors.ts';
import { isDeadlineExceeded, withDeadline } from '../timeouts/withDeadline.ts';

/** Options every Table storage store accepts. */
export interface TableStoreOptions {
  /**
   * Bound of one Table storage operation, SDK retries and token acquisition included (KEYSYNC_AZURE_TIMEOUT_MS).
   * Default 30 s. Without it a table endpoint that accepts connections and never answers holds the caller
   * forever: the SDK sets no timeout of its own.
   */
  readonly timeoutInMs?: number;
}

/** Per-operation options of the Tables client: the deadline's abort signal. */
export interface TableCallOptions {
  readonly abortSignal: AbortSignal;
}

/**
 * Returns a function that runs one Table storage operation within `timeoutInMs`: the operation is given an
 * abort signal for the deadline, and rejects with `DeadlineExceededError` at the deadline in any case.
 * Failures are thrown as they are; map them with {@link storageError}.
 * @param timeoutInMs - the bound (default {@link defaultAzureTimeoutInMs})
 */
export function tableDeadline(
  timeoutInMs: number = defaultAzureTimeoutInMs,
): <T>(operation: (options: TableCallOptions) => Promise<T>) => Promise<T> {
  return (operation) => withDeadline(timeoutInMs, (abortSignal) => operation({ abortSignal }));
}

/**
 * Table storage failures are retryable: the cluster registry is re-read and the index and fingerprints are
 * caches, rebuilt or re-read next time.
 * @param action - what was being done, for the message ("list registered clusters")
 * @param err - what the Tables client (or the deadline) threw
 */
export function storageError(action: string, err: unknown): KeySyncError {
  const status = statusOf(err);
  const why = isDeadlineExceeded(err) ? `: ${err.message}` : status ? ` (HTTP ${status})` : '';
  return new KeySyncError(ErrorCode.StorageUnavailable, `Table storage: could not ${action}${why}`, {
    retryable: true,
    cause: err,
  });
}

/**
 * Returns a function that creates the table once (an existing table is fine) and remembers success; a failure
 * is not remembered, so the next call tries again.
 * @param table - the table client
 * @param label - the table's role, for the error message ("cluster", "binding index")
 * @param timeoutInMs - bound of the create call (default {@link defaultAzureTimeoutInMs})
 */
export function createTableOnce(
  table: TableClient,
  label: string,
  timeoutInMs?: number,
): () => Promise<void> {
  const bounded = tableDeadline(timeoutInMs);
  let ready: Promise<void> | undefined;
  return () =>
    (ready ??= bounded((o) => table.createTable(o)).catch((err: unknown) => {
      ready = undefined;
      throw storageError(`create the ${label} table`, err);
    }));
}

/**
 * Whether a Tables client error is a 404 (entity or table not found).
 * @param err - what the client threw
 */
export function isNotFound(err: unknown): boolean {
  return statusOf(err) === 404;
}

/**
 * The HTTP status of a Tables client error (409: the entity exists; 412: its ETag changed), if any.
 * @param err - what the client threw
 */
export function statusOf(err: unknown): number | undefined {
  return (err as { statusCode?: number } | null)?.statusCode;
}
