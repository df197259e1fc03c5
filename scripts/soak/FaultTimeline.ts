/** Scope of a fault: every cluster (`*`: ARM, Event Grid, Azurite, the watch queue) or one cluster. */
export type FaultScope = '*' | (string & {});

/** One fault occurrence. */
export interface FaultInterval {
  readonly kind: string;
  readonly scope: FaultScope;
  readonly start: number;
  end: number | undefined;
}

/**
 * When each fault was on. Staleness is excused while a fault that can affect a cluster is on, and the bound
 * of invariant (a) is counted from the moment the last such fault stopped; a fault confined to another cluster
 * excuses nothing (a slow or unreachable cluster must not delay the others).
 */
export class FaultTimeline {
  readonly intervals: FaultInterval[] = [];

  /**
   * Records the start of a fault.
   * @returns the interval, to close with {@link FaultTimeline.end}
   */
  begin(kind: string, scope: FaultScope, at = Date.now()): FaultInterval {
    const i: FaultInterval = { kind, scope, start: at, end: undefined };
    this.intervals.push(i);
    return i;
  }

  /** Records the end of a fault. */
  end(interval: FaultInterval, at = Date.now()): void {
    interval.end ??= at;
  }

  /**
   * Since when the cluster has been free of faults that affect it: `now` while one is on, the end of the
   * latest one otherwise (0 when there was none).
   * @param cluster - the cluster
   * @param now - the current time
   */
  quietSince(cluster: string, now = Date.now()): number {
    let since = 0;
    for (const i of this.intervals) {
      if (i.scope !== '*' && i.scope !== cluster) continue;
      since = Math.max(since, i.end ?? now);
    }
    return since;
  }

  /** Whether any fault is on. */
  anyActive(): boolean {
    return this.intervals.some((i) => i.end === undefined);
  }

  /** The end of the latest fault (0 when there was none). */
  lastEnd(now = Date.now()): number {
    return Math.max(0, ...this.intervals.map((i) => i.end ?? now));
  }
}
