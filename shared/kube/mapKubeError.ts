import { ErrorCode, KeySyncError } from '../errors.ts';

/** What was being done when a Kubernetes call failed, for the error message. */
export interface KubeOperation {
  readonly cluster: string;
  /** e.g. `update Secret orders/orders-storage`. */
  readonly action: string;
}

/**
 * Turns an error from @kubernetes/client-node into a KeySyncError. Only the Status `reason`, the HTTP code and
 * the names of the fields a validation error points at are kept: the Status `message` is free text that an
 * admission webhook (or an apiserver echoing the object) may fill with Secret content, and it would end up in
 * KeyBinding status, Events and HTTP reports. The library's own message embeds whole bodies and headers.
 * @param err - what the client threw
 * @param op - cluster and action, for the message
 */
export function mapKubeError(err: unknown, op: KubeOperation): KeySyncError {
  const code = statusCodeOf(err);
  const status = statusSummaryOf(err);
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

interface StatusBody {
  reason?: unknown;
  details?: { causes?: Array<{ field?: unknown; reason?: unknown }> };
  message?: unknown;
}

/**
 * What may be said of a Kubernetes Status without its free text: its reason, whether an admission webhook
 * answered, and the field paths a validation failure names (paths, never values).
 */
function statusSummaryOf(err: unknown): string {
  const body = (err as { body?: unknown } | null)?.body;
  let parsed: StatusBody | undefined;
  try {
    parsed = (typeof body === 'string' ? JSON.parse(body) : body) as StatusBody | undefined;
  } catch {
    return 'no status';
  }
  const reason =
    typeof parsed?.reason === 'string' && /^[A-Za-z]{1,64}$/.test(parsed.reason) ? parsed.reason : 'Unknown';
  const fields = (parsed?.details?.causes ?? [])
    .map((c) => (typeof c.field === 'string' && /^[\w.[\]/-]{1,128}$/.test(c.field) ? c.field : undefined))
    .filter((f): f is string => f !== undefined);
  const webhook =
    typeof parsed?.message === 'string' && /admission webhook/i.test(parsed.message)
      ? ', from an admission webhook'
      : '';
  return `${reason}${webhook}${fields.length ? ` (fields: ${[...new Set(fields)].slice(0, 5).join(', ')})` : ''}`;
}

function describeNetworkError(err: unknown): string {
  if (!(err instanceof Error)) return 'unknown error';
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'timed out';
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  return code ?? err.message.split('\n')[0]?.slice(0, 200) ?? err.name;
}
