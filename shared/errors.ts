/**
 * The few error types the engine throws. Each carries a stable `code`, the identifiers of the object it is
 * about (never key material), a `retryable` flag that adapters use to decide between "throw so the platform
 * retries" and "log and drop", and the underlying `cause`.
 */

/** Stable identifiers for every failure the engine reports. Used as Kubernetes condition reasons too. */
export const ErrorCode = {
  InvalidInput: 'InvalidInput',
  InvalidBinding: 'InvalidBinding',
  InvalidResourceId: 'InvalidResourceId',
  UnsupportedResourceType: 'UnsupportedResourceType',
  NotAuthorized: 'NotAuthorized',
  ResourceNotFound: 'ResourceNotFound',
  ResourceDeleted: 'ResourceDeleted',
  ArmForbidden: 'ArmForbidden',
  ArmThrottled: 'ArmThrottled',
  ArmUnavailable: 'ArmUnavailable',
  ArmConflict: 'ArmConflict',
  DataPlaneDisabled: 'DataPlaneDisabled',
  StaleKeys: 'StaleKeys',
  /** A Secret exists at the destination and is not aks-keysync's: permanent until a person acts. */
  SecretNotOwned: 'SecretNotOwned',
  /** Another KeyBinding owns the destination Secret: permanent until a person acts. */
  SecretConflict: 'SecretConflict',
  /** A write lost an optimistic-concurrency race (HTTP 409) more often than it retries: retryable. */
  WriteConflict: 'WriteConflict',
  ClusterUnreachable: 'ClusterUnreachable',
  ClusterForbidden: 'ClusterForbidden',
  ClusterNotRegistered: 'ClusterNotRegistered',
  /** Table storage (cluster registry, binding index, key fingerprints) failed or timed out. */
  StorageUnavailable: 'StorageUnavailable',
  Config: 'ConfigInvalid',
  Internal: 'Internal',
} as const;

/** One of {@link ErrorCode}'s values. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Options accepted by {@link KeySyncError}. */
export interface KeySyncErrorOptions {
  /** Whether trying again later may succeed (throttling, timeouts, 5xx, stale reads). */
  retryable?: boolean;
  /** The error this one wraps. Must not carry key material in its message. */
  cause?: unknown;
  /** Identifiers of the object concerned: resource ID, cluster, namespace, name. Never values. */
  details?: Record<string, string | number | undefined>;
  /** For throttling: how long the server asked us to wait. */
  retryAfterInMs?: number;
}

/** Base class of every error the engine throws on purpose. */
export class KeySyncError extends Error {
  /** Stable identifier, also used as the Kubernetes condition reason. */
  readonly code: ErrorCode;
  /** Whether trying again later may succeed. */
  readonly retryable: boolean;
  /** Identifiers of the object concerned (never secret values). */
  readonly details: Readonly<Record<string, string | number | undefined>>;
  /** For throttling: how long the server asked us to wait. */
  readonly retryAfterInMs: number | undefined;

  constructor(code: ErrorCode, message: string, options: KeySyncErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KeySyncError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = Object.freeze({ ...options.details });
    this.retryAfterInMs = options.retryAfterInMs;
  }
}

/** Thrown when input (a KeyBinding, an event, a request body, a resource ID) is malformed. Never retryable. */
export class ValidationError extends KeySyncError {
  /** Every problem found, one human-readable line each. */
  readonly problems: readonly string[];

  constructor(
    code: ErrorCode,
    message: string,
    problems: readonly string[] = [],
    options: Omit<KeySyncErrorOptions, 'retryable'> = {},
  ) {
    super(code, message, { ...options, retryable: false });
    this.name = 'ValidationError';
    this.problems = Object.freeze([...problems]);
  }
}

/** Thrown when an existing Secret at a binding's destination is not owned by that binding. */
export class SecretNotOwnedError extends KeySyncError {
  constructor(cluster: string, namespace: string, secretName: string, ownerHint?: string) {
    super(
      ErrorCode.SecretNotOwned,
      `Secret ${namespace}/${secretName} in cluster ${cluster} exists and is not owned by aks-keysync` +
        (ownerHint ? ` (it belongs to ${ownerHint})` : '') +
        '; rename the destination in the KeyBinding or delete that Secret',
      { details: { cluster, namespace, secretName } },
    );
    this.name = 'SecretNotOwnedError';
  }
}

/** True when `err` is a {@link KeySyncError} (checked by name so it works across module copies). */
export function isKeySyncError(err: unknown): err is KeySyncError {
  return err instanceof KeySyncError || (err instanceof Error && 'code' in err && 'retryable' in err);
}

/** Turns anything thrown into an `Error`, without copying possible secret-bearing payloads into it. */
export function ensureError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(`non-Error thrown: ${typeof value}`);
}

/** Whether an error says trying again later may help. Unknown errors are treated as retryable. */
export function isRetryable(err: unknown): boolean {
  return isKeySyncError(err) ? err.retryable : true;
}
