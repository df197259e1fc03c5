import { performance } from 'node:perf_hooks';

/** One timed step, in milliseconds since the timeline's origin. */
export interface Span {
  /** Step name, e.g. `k8s.replaceSecret`. */
  readonly name: string;
  /** Cluster, resource or other qualifier. */
  readonly detail: string;
  readonly start: number;
  readonly end: number;
}

/** Spans sharing a name: how many, when the first started, when the last ended, their mean duration. */
export interface SpanGroup {
  readonly name: string;
  readonly count: number;
  readonly firstStart: number;
  readonly lastEnd: number;
  readonly meanMs: number;
}

/**
 * Records when the steps of a benchmarked operation ran, relative to an origin set at the start of the
 * measurement. Only names, qualifiers and times: never values.
 */
export class Timeline {
  #origin = performance.now();
  #originEpoch = Date.now();
  #spans: Span[] = [];

  /** Forgets every span and sets the origin to now. */
  reset(): void {
    this.#origin = performance.now();
    this.#originEpoch = Date.now();
    this.#spans = [];
  }

  /** Milliseconds since the origin. */
  now(): number {
    return performance.now() - this.#origin;
  }

  /**
   * Converts an epoch time (e.g. the ARM simulator's call log) to timeline milliseconds.
   * @param epochMs - `Date.now()`-style time
   */
  fromEpoch(epochMs: number): number {
    return epochMs - this.#originEpoch;
  }

  /**
   * Adds a span that was measured elsewhere.
   * @param span - name, qualifier and timeline times
   */
  add(span: Span): void {
    this.#spans.push(span);
  }

  /**
   * Runs `fn` and records its span (also when it throws).
   * @param name - step name
   * @param detail - qualifier
   * @param fn - the step
   */
  async time<T>(name: string, detail: string, fn: () => Promise<T>): Promise<T> {
    const start = this.now();
    try {
      return await fn();
    } finally {
      this.#spans.push({ name, detail, start, end: this.now() });
    }
  }

  /** Every span recorded since the last reset, by start time. */
  spans(): Span[] {
    return [...this.#spans].sort((a, b) => a.start - b.start);
  }

  /** The spans grouped by name, ordered by first start. */
  groups(): SpanGroup[] {
    const byName = new Map<string, Span[]>();
    for (const s of this.#spans) {
      const list = byName.get(s.name);
      if (list) list.push(s);
      else byName.set(s.name, [s]);
    }
    return [...byName]
      .map(([name, spans]) => ({
        name,
        count: spans.length,
        firstStart: spans.reduce((min, s) => Math.min(min, s.start), Infinity),
        lastEnd: spans.reduce((max, s) => Math.max(max, s.end), -Infinity),
        meanMs: spans.reduce((sum, s) => sum + (s.end - s.start), 0) / spans.length,
      }))
      .sort((a, b) => a.firstStart - b.firstStart);
  }
}
