import type { TableClient } from '@azure/data-tables';

import { ErrorCode, KeySyncError } from '../errors.ts';

/**
 * Table storage failures are retryable: the cluster registry is re-read and the index and fingerprints are
 * caches, rebuilt or re-read next time.
 * @param action - what was being done, for the message ("list registered clusters")
 * @param err - what the Tables client threw
 */
export function storageError(action: string, err: unknown): KeySyncError {
  const status = (err as { statusCode?: number }).statusCode;
  return new KeySyncError(
    ErrorCode.Internal,
    `Table storage: could not ${action}${status ? ` (HTTP ${status})` : ''}`,
    {
      retryable: true,
      cause: err,
    },
  );
}

/**
 * Returns a function that creates the table once (an existing table is fine) and remembers success; a failure
 * is not remembered, so the next call tries again.
 * @param table - the table client
 * @param label - the table's role, for the error message ("cluster", "binding index")
 */
export function createTableOnce(table: TableClient, label: string): () => Promise<void> {
  let ready: Promise<void> | undefined;
  return () =>
    (ready ??= table.createTable().catch((err: unknown) => {
      ready = undefined;
      throw storageError(`create the ${label} table`, err);
    }));
}

/**
 * Whether a Tables client error is a 404 (entity or table not found).
 * @param err - what the client threw
 */
export function isNotFound(err: unknown): boolean {
  return (err as { statusCode?: number } | null)?.statusCode === 404;
}
