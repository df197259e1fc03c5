import { ErrorCode, KeySyncError } from '../errors.ts';

/** What was being done when a Kubernetes call failed, for the error message. */
export interface KubeOperation {
  readonly cluster: string;
  /** e.g. `update Secret orders/orders-storage`. */
  readonly action: string;
}

/**
 * Turns an error from @kubernetes/client-node into a KeySyncError. Only the Status `reason`/`message` of the
 * API's answer is kept (the library's own message embeds whole response bodies and headers).
 * @param err - what the client threw
 * @param op - cluster and action, for the message
 */
export function mapKubeError(err: unknown, op: KubeOperation): KeySyncError {
  const code = statusCodeOf(err);
  const status = statusMessageOf(err);
  const where = `${op.action} in cluster ${op.cluster}`;
  const details = { cluster: op.cluster, action: op.action, statusCode: code };
  if (code === 401 || code === 403) {
    return new KeySyncError(ErrorCode.ClusterForbidden, `${where} was refused (${code}): ${status}`, {
      details,
      cause: err,
    });
  }
  if (code === 409) {
    return new KeySyncError(ErrorCode.WriteConflict, `${where} conflicted (409): ${status}`, {
      retryable: true,
      details,
      cause: err,
    });
  }
  if (code !== undefined && code >= 400 && code < 500 && code !== 429) {
    return new KeySyncError(ErrorCode.InvalidInput, `${where} was rejected (${code}): ${status}`, {
      details,
      cause: err,
    });
  }
  const why = code === undefined ? describeNetworkError(err) : `HTTP ${code}: ${status}`;
  return new KeySyncError(ErrorCode.ClusterUnreachable, `${where} failed: ${why}`, {
    retryable: true,
    details,
    cause: err,
  });
}

/** HTTP status of a client-node ApiException, if any. */
export function statusCodeOf(err: unknown): number | undefined {
  const c = (err as { code?: unknown } | null)?.code;
  return typeof c === 'number' ? c : undefined;
}

function statusMessageOf(err: unknown): string {
  const body = (err as { body?: unknown } | null)?.body;
  try {
    const parsed = (typeof body === 'string' ? JSON.parse(body) : body) as { message?: unknown } | undefined;
    if (typeof parsed?.message === 'string') return parsed.message.slice(0, 500);
  } catch {
    // not JSON: fall through
  }
  return 'no status message';
}

function describeNetworkError(err: unknown): string {
  if (!(err instanceof Error)) return 'unknown error';
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'timed out';
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  return code ?? err.message.split('\n')[0]?.slice(0, 200) ?? err.name;
}
