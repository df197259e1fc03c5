import type { Distribution } from './stats.ts';
import type { Violation } from './Violations.ts';

/** Time to fresh for one group of rotations. */
export interface TimeToFresh extends Distribution {
  /** Which rotations: `chaos`, `calm`, `all`, or the healthy clusters' share during a black hole. */
  readonly label: string;
  /** Rotations of a key bound somewhere. */
  readonly rotations: number;
  /** Of those, the ones whose new key never reached every bound Secret. */
  readonly notFresh: number;
}

/** What a soak run measured (IDs, counts and fingerprints only). */
export interface SoakResult {
  /** No violation. */
  readonly ok: boolean;
  readonly seed: number;
  readonly minutes: number;
  readonly clusters: number;
  readonly boundInMs: number;
  readonly stackStartInMs: number;
  /** From the stack being ready to the end of the drain. */
  readonly durationInMs: number;
  readonly faults: ReadonlyArray<{
    readonly kind: string;
    readonly count: number;
    readonly activeInMs: number;
    readonly targets: readonly string[];
  }>;
  readonly load: {
    readonly resources: number;
    readonly bindings: number;
    readonly rotations: Readonly<Record<'storage' | 'cosmos' | 'redis' | 'failed', number>>;
    readonly handEdits: number;
    readonly handDeletes: number;
    readonly churn: { readonly created: number; readonly changed: number; readonly deleted: number };
    readonly resyncs: {
      readonly scheduled: number;
      readonly http: number;
      readonly httpFailed: number;
      readonly bindingErrors: number;
    };
    readonly loadErrors: Readonly<Record<string, number>>;
  };
  readonly paths: Readonly<Record<string, number>>;
  readonly timeToFresh: readonly TimeToFresh[];
  readonly violations: readonly Violation[];
  readonly staleAtEnd: readonly string[];
}
