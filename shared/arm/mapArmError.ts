/**
 * Turns whatever an ARM SDK call threw into a {@link KeySyncError} that says what failed, on which resource,
 * whether retrying may help, and (for 403) which permission is missing. Built only from the status, ARM's
 * error code, headers and the action ARM named: never from response bodies, which for listKeys hold keys.
 */
import { ErrorCode, isKeySyncError, KeySyncError, type KeySyncErrorOptions } from '../errors.ts';
import { isDeadlineExceeded } from '../timeouts/withDeadline.ts';

/** What the failed call was about. */
export interface ArmErrorContext {
  /** ARM ID of the resource the call targeted. */
  readonly resourceId: string;
  /** Operation attempted, e.g. `Microsoft.Storage/storageAccounts/listKeys/action`. */
  readonly action?: string;
  /** The caller's signal, to tell a cancellation from a timeout. */
  readonly abortSignal?: AbortSignal;
  /** The per-attempt timeout in force, for the message. */
  readonly timeoutInMs?: number;
}

/** The parts of an SDK error (`RestError`, `AbortError`, identity errors) this module reads. */
interface SdkErrorLike {
  name?: unknown;
  code?: unknown;
  statusCode?: unknown;
  message?: unknown;
  response?: { headers?: { get?(name: string): string | undefined } };
}

/** What is known about one failure. */
interface Facts {
  readonly name: string;
  readonly status: number | undefined;
  readonly armCode: string | undefined;
  /** The SDK's message: read for the action ARM named, never copied. */
  readonly sdkMessage: string;
  readonly header: (name: string) => string | undefined;
  /** `<action> on <resourceId>`, the subject of every message. */
  readonly what: string;
  /** ` <armCode>` or empty, to append to `HTTP <status>`. */
  readonly codeSuffix: string;
  readonly context: ArmErrorContext;
  readonly options: KeySyncErrorOptions & { details: Record<string, string | number | undefined> };
}

const actionPattern = /perform action '([A-Za-z0-9./_-]+)'/;
const identityErrors = new Set(['CredentialUnavailableError', 'AuthenticationError']);

/**
 * Maps an error thrown by an ARM SDK call.
 *
 * | thrown | code | retryable |
 * |---|---|---|
 * | 404 (`ResourceNotFound`, `ResourceGroupNotFound`) | `ResourceNotFound` | no |
 * | 401, 403 | `ArmForbidden` (names the missing action when ARM did) | no |
 * | 429 (after the SDK's own `Retry-After` waits) | `ArmThrottled` with `retryAfterInMs` | yes |
 * | 409 | `ArmConflict` | yes |
 * | 408, 5xx, network error, timeout (of the call or of its token request), abort, unreadable response | `ArmUnavailable` | yes |
 * | other 4xx | `Internal` | no |
 *
 * @param err - anything thrown by an SDK call (a `KeySyncError` is returned unchanged)
 * @param context - the resource and action, for the message and `details`
 * @returns the error to throw
 */
export function mapArmError(err: unknown, context: ArmErrorContext): KeySyncError {
  if (isKeySyncError(err)) return err;
  const f = factsOf(err, context);
  if (isDeadlineExceeded(err)) {
    // Our own error: its message names what timed out and holds no response body.
    return new KeySyncError(ErrorCode.ArmUnavailable, `${f.what} failed: ${err.message}`, {
      ...f.options,
      cause: err,
      retryable: true,
    });
  }
  if (identityErrors.has(f.name)) return identityError(f);
  if (f.status === undefined || f.status < 400 || f.armCode === 'PARSE_ERROR') return transportError(f);
  return statusError(f, f.status);
}

function factsOf(err: unknown, context: ArmErrorContext): Facts {
  const e = (typeof err === 'object' && err !== null ? err : {}) as SdkErrorLike;
  const name = typeof e.name === 'string' ? e.name : typeof err;
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  const armCode = typeof e.code === 'string' ? e.code : undefined;
  const header = (h: string): string | undefined => e.response?.headers?.get?.(h) ?? undefined;
  // Keep the SDK error as cause only when it cannot hold a success body (parse errors quote the body).
  const bodyFree = status !== undefined && status >= 400 && armCode !== 'PARSE_ERROR';
  return {
    name,
    status,
    armCode,
    sdkMessage: typeof e.message === 'string' ? e.message : '',
    header,
    what: `${context.action ?? 'ARM call'} on ${context.resourceId}`,
    codeSuffix: armCode ? ` ${armCode}` : '',
    context,
    options: {
      cause: bodyFree ? err : sanitized(name, armCode, status),
      details: {
        resourceId: context.resourceId,
        action: context.action,
        statusCode: status,
        armCode,
        requestId: header('x-ms-request-id'),
      },
    },
  };
}

function statusError(f: Facts, status: number): KeySyncError {
  const retryable = { ...f.options, retryable: true };
  switch (status) {
    case 404: {
      const why =
        f.armCode === 'ResourceGroupNotFound' ? 'its resource group does not exist' : 'it does not exist';
      return new KeySyncError(
        ErrorCode.ResourceNotFound,
        `${f.what} failed: ${why} (HTTP 404${f.codeSuffix})`,
        f.options,
      );
    }
    case 401:
    case 403:
      return forbidden(f, status);
    case 429:
      return throttled(f);
    case 409:
      return new KeySyncError(
        ErrorCode.ArmConflict,
        `${f.what} conflicted with another operation (HTTP 409${f.codeSuffix})`,
        retryable,
      );
    default:
      if (status === 408 || status >= 500) {
        return new KeySyncError(
          ErrorCode.ArmUnavailable,
          `${f.what} failed: ARM answered HTTP ${status}${f.codeSuffix}`,
          retryable,
        );
      }
      return new KeySyncError(
        ErrorCode.Internal,
        `${f.what} was rejected by ARM: HTTP ${status}${f.codeSuffix}`,
        f.options,
      );
  }
}

function forbidden(f: Facts, status: number): KeySyncError {
  const named = actionPattern.exec(f.sdkMessage)?.[1];
  const action = named ?? f.context.action;
  const message =
    status === 401
      ? `ARM rejected the service's credentials (HTTP 401${f.codeSuffix}) for ${f.what}`
      : `the service's identity may not ${action ? `perform '${action}'` : 'call ARM'} on ${f.context.resourceId} ` +
        `(HTTP 403${f.codeSuffix}); grant it a role with ${action ? `'${action}'` : 'the needed permission'} ` +
        'on that resource';
  return new KeySyncError(ErrorCode.ArmForbidden, message, {
    ...f.options,
    details: { ...f.options.details, ...(named ? { missingAction: named } : {}) },
  });
}

function throttled(f: Facts): KeySyncError {
  const retryAfterInMs = parseRetryAfter(f.header);
  const after = retryAfterInMs === undefined ? '' : `; retry after ${Math.ceil(retryAfterInMs / 1000)} s`;
  return new KeySyncError(
    ErrorCode.ArmThrottled,
    `${f.what} was throttled by ARM (HTTP 429${f.codeSuffix})${after}`,
    {
      ...f.options,
      retryable: true,
      ...(retryAfterInMs === undefined ? {} : { retryAfterInMs }),
    },
  );
}

function transportError(f: Facts): KeySyncError {
  return new KeySyncError(ErrorCode.ArmUnavailable, `${f.what} ${transportReason(f)}`, {
    ...f.options,
    retryable: true,
  });
}

function transportReason(f: Facts): string {
  if (f.name === 'AbortError' || /aborted/i.test(f.sdkMessage)) return abortReason(f.context);
  if (f.name === 'RestError' && f.status === undefined && f.armCode !== 'PARSE_ERROR') {
    return `could not reach ARM (${f.armCode ?? 'network error'})`;
  }
  return `got a response it could not read (${f.armCode ?? f.name})`;
}

/** A cancelled call: by the caller's signal, by its deadline, or by the per-attempt timeout. */
function abortReason(context: ArmErrorContext): string {
  const signal = context.abortSignal;
  if (signal?.aborted) {
    const callerTimeout = (signal.reason as { name?: unknown } | undefined)?.name === 'TimeoutError';
    return callerTimeout ? 'timed out' : 'was cancelled';
  }
  return context.timeoutInMs ? `timed out after ${context.timeoutInMs} ms` : 'timed out';
}

function identityError(f: Facts): KeySyncError {
  if (f.name === 'AuthenticationError' && (f.status === 400 || f.status === 401)) {
    return new KeySyncError(
      ErrorCode.ArmForbidden,
      `${f.what} failed: Entra ID refused the service's identity (HTTP ${f.status})`,
      f.options,
    );
  }
  return new KeySyncError(
    ErrorCode.ArmUnavailable,
    `${f.what} failed: no Entra ID token for ARM (${f.name})`,
    {
      ...f.options,
      retryable: true,
    },
  );
}

/** Milliseconds to wait, from `retry-after-ms`, `x-ms-retry-after-ms` or `Retry-After` (seconds or HTTP date). */
function parseRetryAfter(header: (name: string) => string | undefined): number | undefined {
  for (const h of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const value = header(h);
    if (value !== undefined && Number.isFinite(Number(value)) && Number(value) >= 0) return Number(value);
  }
  const value = header('retry-after');
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function sanitized(name: string, code: string | undefined, status: number | undefined): Error {
  const err = new Error(`${name}${code ? ` ${code}` : ''}${status === undefined ? '' : ` (HTTP ${status})`}`);
  err.name = name;
  return err;
}
