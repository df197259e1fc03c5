import type { ArmCall } from '../../../testkit/armSimulator/ArmSimulator.ts';
import type { ResyncReport } from '../../../shared/reconcile/SyncReport.ts';
import type { Violations } from '../Violations.ts';
import { shortId } from './FreshnessCheck.ts';

/** An HTTP resync and its report: a 429 inside it may end as a retryable error in the report. */
export interface ReportedResync {
  readonly startedAt: number;
  readonly endedAt: number;
  readonly report: ResyncReport | undefined;
}

/**
 * Invariant (e): no 429 is left unhandled. From the simulator's call log: every 429 answered to the service is
 * followed by a successful call of the same method and path by the service (the SDK's retry, or the work redone
 * after Event Grid / the queue redelivered), or it happened during an HTTP resync whose report names the
 * resource with a retryable error (the caller was told to retry).
 */
export class ThrottleCheck {
  readonly #calls = new Map<string, ArmCall>();
  readonly #principal: string;
  readonly #violations: Violations;

  /**
   * @param principal - the service's principal name in the simulator
   * @param violations - where violations go
   */
  constructor(principal: string, violations: Violations) {
    this.#principal = principal;
    this.#violations = violations;
  }

  /** Keeps the calls answered so far (the simulator's log is bounded: call this every few seconds). */
  collect(calls: readonly ArmCall[]): void {
    for (const c of calls) if (c.principal === this.#principal) this.#calls.set(c.requestId, c);
  }

  /** 429s answered to the service so far. */
  throttled(): number {
    return [...this.#calls.values()].filter((c) => c.status === 429).length;
  }

  /** Calls by the service so far. */
  total(): number {
    return this.#calls.size;
  }

  /**
   * Checks every 429 collected.
   * @param resyncs - HTTP resyncs made, with their reports
   */
  check(resyncs: readonly ReportedResync[]): void {
    const calls = [...this.#calls.values()].sort((a, b) => a.time - b.time);
    const lastSuccess = new Map<string, number>();
    for (const c of calls) {
      if (c.status >= 200 && c.status < 300) lastSuccess.set(callKey(c), c.time);
    }
    for (const c of calls) {
      if (c.status !== 429) continue;
      if ((lastSuccess.get(callKey(c)) ?? 0) > c.time) continue;
      const told = resyncs.some(
        (r) =>
          r.startedAt <= c.time &&
          c.time <= r.endedAt &&
          r.report?.bindings.some(
            (b) => b.retryable === true && b.resourceId.toLowerCase() === (c.resourceId ?? '').toLowerCase(),
          ),
      );
      if (told) continue;
      this.#violations.add(
        'e',
        `429 on ${c.method} ${c.operation ?? c.path} of ${shortId(c.resourceId ?? c.path)} (request ${c.requestId}) never retried successfully`,
        c.requestId,
        c.time,
      );
    }
  }
}

function callKey(c: ArmCall): string {
  return `${c.method} ${c.path.toLowerCase()}`;
}
