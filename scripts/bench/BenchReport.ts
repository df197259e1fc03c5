import type { ColdStartResult } from './coldStartScenario.ts';
import type { EventScenarioResult } from './eventScenario.ts';
import type { MachineInfo } from './machineInfo.ts';
import type { BenchOptions } from './parseBenchArgs.ts';
import type { ResyncScenarioResult } from './resyncScenario.ts';

/** Everything one `npm run bench` measured. */
export interface BenchReport {
  readonly startedAt: string;
  /** The command line, as a user would type it. */
  readonly command: string;
  readonly options: BenchOptions;
  readonly machine: MachineInfo;
  readonly clusters: number;
  /** Scenarios 1 and 2 on clusters holding only their own bindings. */
  readonly event?: EventScenarioResult;
  /** Scenario 3 (and the no-op resync at scale). */
  readonly resync?: ResyncScenarioResult;
  /** Scenario 1 again, with scenario 3's bindings present in the clusters. */
  readonly populatedEvent?: EventScenarioResult;
  /** Scenario 4. */
  readonly coldStart?: ColdStartResult;
  /** Scenarios that failed, with the reason. */
  readonly failures: ReadonlyArray<{ readonly scenario: string; readonly reason: string }>;
}

/** One row of the summary: a ratio (or count) measured in the run, with its parts. */
export interface SummaryRow {
  readonly scenario: string;
  readonly measure: string;
  readonly numerator: string;
  readonly denominator: string;
  readonly value: string;
  readonly target: string;
  /** `met`, `not met`, or `n/a`. */
  readonly verdict: string;
}
