import type { TableClient } from '@azure/data-tables';

import { ErrorCode, KeySyncError } from '../errors.ts';

/**
 * Table storage failures are retryable: the cluster registry is re-read and the index and fingerprints are
 * caches, rebuilt or re-read next time.
 * @param action - what was being done, for the message ("list registered clusters")
 * @param err - what the Tables client threw
 */
export function storageError(action: string, err: unknown): KeySyncError {
  const status = statusOf(err);
  return new KeySyncError(
    ErrorCode.Internal,
    `Table storage: could not ${action}${status ? ` (HTTP ${status})` : ''}`,
    {
      retryable: true,
      cause: err,
    },
  );
}

/** How long one Table storage call may take, the SDK's own retries included, before it is abandoned. */
export const defaultTableTimeoutInMs = 10_000;

/**
 * Per-call options that abandon a Table storage call after `timeoutInMs`: a stalled storage endpoint must not
 * hold an invocation until the platform kills it.
 * @param timeoutInMs - the deadline of this one call
 */
export function tableCallOptions(timeoutInMs: number = defaultTableTimeoutInMs): {
  abortSignal: AbortSignal;
} {
  return { abortSignal: AbortSignal.timeout(timeoutInMs) };
}

/**
 * Returns a function that creates the table once (an existing table is fine) and remembers success; a failure
 * is not remembered, so the next call tries again.
 * @param table - the table client
 * @param label - the table's role, for the error message ("cluster", "binding index")
 * @param timeoutInMs - deadline of the create call
 */
export function createTableOnce(
  table: TableClient,
  label: string,
  timeoutInMs: number = defaultTableTimeoutInMs,
): () => Promise<void> {
  let ready: Promise<void> | undefined;
  return () =>
    (ready ??= table.createTable(tableCallOptions(timeoutInMs)).catch((err: unknown) => {
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
