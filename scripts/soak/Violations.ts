/** The invariants the soak checks (see docs/reliability.md). */
export const invariants = {
  a: 'every bound Secret fresh within the bound after the last fault',
  b: 'no Secret ever goes back to an older key',
  c: 'the service writes only Secrets carrying the ownership marker',
  d: 'no key value in logs, reports, KeyBinding status or Events',
  e: 'no ARM 429 left unhandled',
} as const;

/** One invariant's letter. */
export type Invariant = keyof typeof invariants;

/** A violation: which invariant, when (ms since the run started), and what (IDs and fingerprints only). */
export interface Violation {
  readonly invariant: Invariant;
  readonly atInMs: number;
  readonly description: string;
}

/** Collects violations; every one is also printed at once ("failing loudly"). */
export class Violations {
  readonly #list: Violation[] = [];
  readonly #t0: number;
  readonly #onViolation: (v: Violation) => void;
  readonly #seen = new Set<string>();

  /**
   * @param t0 - the run's start (epoch ms)
   * @param onViolation - told of each new violation as it is found
   */
  constructor(t0: number, onViolation: (v: Violation) => void = () => undefined) {
    this.#t0 = t0;
    this.#onViolation = onViolation;
  }

  /**
   * Records a violation once per `dedupeKey`.
   * @param invariant - which one
   * @param description - IDs and fingerprints, never values
   * @param dedupeKey - the same key is recorded only once (default: the description)
   * @param at - when it happened (epoch ms; default now)
   */
  add(invariant: Invariant, description: string, dedupeKey = description, at = Date.now()): void {
    const key = `${invariant}|${dedupeKey}`;
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    const v = { invariant, atInMs: Math.max(0, at - this.#t0), description };
    this.#list.push(v);
    this.#onViolation(v);
  }

  /** Every violation, in the order found. */
  list(): Violation[] {
    return [...this.#list];
  }

  /** Violations of one invariant. */
  of(invariant: Invariant): Violation[] {
    return this.#list.filter((v) => v.invariant === invariant);
  }
}
