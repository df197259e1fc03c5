import { ArmHttpError, defaultErrorCode } from './ArmHttpError.ts';
import { operationMatches } from './CallLog.ts';

/** Which requests a fault rule applies to; every given field must match (case-insensitively). */
export interface FaultMatch {
  method?: string;
  /** Substring of the URL path. */
  pathContains?: string;
  /** Full operation name or its tail, e.g. `listKeys/action`. */
  operation?: string;
  resourceId?: string;
  principal?: string;
}

/** A fault to inject. */
export interface FaultRule {
  /** Requests it applies to; all requests when omitted. */
  match?: FaultMatch;
  /** Status to answer with; when omitted the request is only delayed, then served normally. */
  status?: number;
  /** ARM error code (defaults by status: 404 `ResourceNotFound`, 429 `TooManyRequests`, 500 `InternalServerError`...). */
  code?: string;
  /** Error message (a generic one by default). */
  message?: string;
  /** Sends `Retry-After` with this many seconds (for 429 / 503). */
  retryAfterSeconds?: number;
  /** How many matching requests it applies to (default 1; `Infinity` until cleared). */
  times?: number;
  /** Delay before answering (e.g. a hang that provokes client timeouts). */
  delayInMs?: number;
  /** Destroys the connection instead of answering (a network error for the client). */
  resetConnection?: boolean;
  /** Answers `status` (default 200) with this body text as is, e.g. truncated JSON (a malformed response). */
  rawBody?: string;
}

/** A rule that was added, to inspect or remove it. */
export interface FaultHandle {
  /** How many more requests it applies to. */
  remaining(): number;
  /** Removes the rule. */
  remove(): void;
}

/** What to do with one request. */
export interface FaultDecision {
  readonly delayInMs: number;
  readonly error: ArmHttpError | undefined;
  readonly resetConnection: boolean;
  /** A raw answer to send instead of serving the request. */
  readonly raw: { readonly status: number; readonly body: string } | undefined;
}

/** The request attributes rules match on. */
export interface FaultSubject {
  method: string;
  path: string;
  operation: string | undefined;
  resourceId: string | undefined;
  principal: string;
}

interface ActiveRule {
  rule: FaultRule;
  remaining: number;
}

const noFault: FaultDecision = { delayInMs: 0, error: undefined, resetConnection: false, raw: undefined };

/** Holds fault rules; the first rule (in insertion order) that matches a request and has uses left applies. */
export class FaultInjector {
  #rules: ActiveRule[] = [];

  /** Adds a rule. */
  add(rule: FaultRule): FaultHandle {
    const active: ActiveRule = { rule, remaining: rule.times ?? 1 };
    this.#rules.push(active);
    return {
      remaining: () => active.remaining,
      remove: () => {
        this.#rules = this.#rules.filter((r) => r !== active);
      },
    };
  }

  /** Removes every rule. */
  clear(): void {
    this.#rules = [];
  }

  /**
   * Decides what happens to a request, using up one application of the matching rule.
   * @param subject - the request
   */
  evaluate(subject: FaultSubject): FaultDecision {
    const active = this.#rules.find((r) => r.remaining > 0 && matches(r.rule.match ?? {}, subject));
    if (!active) return noFault;
    active.remaining -= 1;
    const { rule } = active;
    return {
      delayInMs: rule.delayInMs ?? 0,
      resetConnection: rule.resetConnection ?? false,
      raw: rule.rawBody === undefined ? undefined : { status: rule.status ?? 200, body: rule.rawBody },
      error: rule.status === undefined || rule.rawBody !== undefined ? undefined : toError(rule, rule.status),
    };
  }
}

function toError(rule: FaultRule, status: number): ArmHttpError {
  const headers: Record<string, string> =
    rule.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(rule.retryAfterSeconds) };
  return new ArmHttpError(
    status,
    rule.code ?? defaultErrorCode(status),
    rule.message ?? `Injected fault: HTTP ${status}.`,
    headers,
  );
}

function matches(m: FaultMatch, s: FaultSubject): boolean {
  const eqi = (a: string | undefined, b: string | undefined): boolean =>
    a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
  return (
    (m.method === undefined || eqi(m.method, s.method)) &&
    (m.pathContains === undefined || s.path.toLowerCase().includes(m.pathContains.toLowerCase())) &&
    (m.operation === undefined || operationMatches(s.operation, m.operation)) &&
    (m.resourceId === undefined || eqi(m.resourceId, s.resourceId)) &&
    (m.principal === undefined || eqi(m.principal, s.principal))
  );
}
