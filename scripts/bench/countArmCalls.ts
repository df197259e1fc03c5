import type { ArmCall } from '../../testkit/armSimulator/ArmSimulator.ts';
import { operationMatches } from '../../testkit/armSimulator/CallLog.ts';

/** ARM calls as the simulator answered them (its call log), by kind. */
export interface ArmCallCounts {
  /** GETs answered with a success. */
  readonly reads: number;
  /** `listKeys` answered with a success. */
  readonly listKeys: number;
  /** Other non-GET calls answered with a success. */
  readonly otherWrites: number;
  /** 429 answers (each one the client must have waited out and retried for its resource to end synced). */
  readonly throttled: number;
  /** Other failures. */
  readonly failed: number;
  readonly total: number;
}

/**
 * Counts calls by kind.
 * @param calls - from `sim.calls(...)`
 */
export function countArmCalls(calls: readonly ArmCall[]): ArmCallCounts {
  const ok = calls.filter((c) => c.status >= 200 && c.status < 300);
  const reads = ok.filter((c) => c.method === 'GET').length;
  const listKeys = ok.filter((c) => operationMatches(c.operation, 'listKeys/action')).length;
  const throttled = calls.filter((c) => c.status === 429).length;
  return {
    reads,
    listKeys,
    otherWrites: ok.length - reads - listKeys,
    throttled,
    failed: calls.length - ok.length - throttled,
    total: calls.length,
  };
}
