/** One request the simulator answered. */
export interface ArmCall {
  /** When the response was sent (epoch ms). */
  readonly time: number;
  /** Caller's principal name; `''` when the request carried no usable token. */
  readonly principal: string;
  readonly method: string;
  /** URL path, no query string. */
  readonly path: string;
  /** Canonical operation name, e.g. `Microsoft.Storage/storageAccounts/listKeys/action`; undefined if unknown. */
  readonly operation: string | undefined;
  /** Resource ID (stored casing when the resource exists, else as requested); undefined for non-resource paths. */
  readonly resourceId: string | undefined;
  /** HTTP status sent; 0 when the connection was reset on purpose. */
  readonly status: number;
  /** `x-ms-request-id` sent. */
  readonly requestId: string;
}

/** Selects calls; every given field must match (strings case-insensitively). */
export interface ArmCallFilter {
  principal?: string;
  method?: string;
  /** Full operation name, or its tail after a `/` (e.g. `listKeys/action`). */
  operation?: string;
  resourceId?: string;
  status?: number;
}

/**
 * Whether an operation name matches a pattern: equal, or ending in `/<pattern>`, case-insensitively.
 * @param operation - canonical operation name
 * @param pattern - full name or its tail
 */
export function operationMatches(operation: string | undefined, pattern: string): boolean {
  if (!operation) return false;
  const o = operation.toLowerCase();
  const p = pattern.toLowerCase();
  return o === p || o.endsWith('/' + p);
}

function eqi(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}

/** The most calls a {@link CallLog} keeps; older ones are dropped (bounded memory in long demo runs). */
export const maxLoggedCalls = 10_000;

/** The calls the simulator answered, in order (the latest {@link maxLoggedCalls}). */
export class CallLog {
  #calls: ArmCall[] = [];

  /** Appends a call. */
  record(call: ArmCall): void {
    this.#calls.push(call);
    if (this.#calls.length > maxLoggedCalls) this.#calls.splice(0, this.#calls.length - maxLoggedCalls);
  }

  /**
   * The calls matching `filter` (all calls without one).
   * @param filter - fields to match
   */
  list(filter: ArmCallFilter = {}): ArmCall[] {
    return this.#calls.filter(
      (c) =>
        (filter.principal === undefined || eqi(c.principal, filter.principal)) &&
        (filter.method === undefined || eqi(c.method, filter.method)) &&
        (filter.operation === undefined || operationMatches(c.operation, filter.operation)) &&
        (filter.resourceId === undefined || eqi(c.resourceId, filter.resourceId)) &&
        (filter.status === undefined || c.status === filter.status),
    );
  }

  /** Forgets every call. */
  reset(): void {
    this.#calls = [];
  }
}
