import type { FaultScope } from '../FaultTimeline.ts';
import type { Random } from '../Random.ts';

/** One fault occurrence, ready to be switched on and off. */
export interface Fault {
  /** The kind, e.g. `cluster-blackhole` (the report counts per kind). */
  readonly kind: string;
  /** What it can affect: every cluster (`*`) or one. */
  readonly scope: FaultScope;
  /** Faults holding the same lock never overlap (e.g. two webhook modes in one cluster). */
  readonly lock: string;
  /** True for a one-shot fault (a restart): `start` does everything and is on until it resolves. */
  readonly instant?: boolean;
  /** A short description (target, parameters) for the report; no secrets. */
  readonly detail: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** A kind of fault: makes occurrences, per cluster or global. */
export interface FaultKind {
  readonly kind: string;
  /** Whether each occurrence targets one cluster. */
  readonly perCluster: boolean;
  /**
   * A new occurrence.
   * @param cluster - the target (per-cluster kinds)
   * @param random - the soak's seeded randomness
   */
  make(cluster: string | undefined, random: Random): Fault;
}
