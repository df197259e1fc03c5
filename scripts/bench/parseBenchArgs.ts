import { Command, InvalidArgumentError } from 'commander';

/** The scenarios `npm run bench` knows. */
export const scenarioNames = ['event', 'resync', 'coldstart'] as const;
/** One scenario name. */
export type ScenarioName = (typeof scenarioNames)[number];

/** Benchmark settings from the command line. */
export interface BenchOptions {
  /** Fraction of every scenario's size (1 = the sizes). */
  readonly scale: number;
  /** Latency the ARM simulator adds to every request. */
  readonly armLatencyInMs: number;
  /** Measured regenerations per event scenario. */
  readonly eventRuns: number;
  /** Fresh processes per subject in the cold-start measurement. */
  readonly coldStartRuns: number;
  /** Scenarios to run. */
  readonly only: ReadonlySet<ScenarioName>;
  /** After the full resync, resync again (nothing changed) and count its writes. */
  readonly noopAtScale: boolean;
  /** After the full resync, measure the event path again with the big data set present in the clusters. */
  readonly populatedEvent: boolean;
}

const positive = (name: string, integer: boolean) => (value: string) => {
  const n = Number(value);
  if (!(n > 0) || (integer && !Number.isInteger(n)))
    throw new InvalidArgumentError(`${name} must be a positive ${integer ? 'integer' : 'number'}`);
  return n;
};

/**
 * Parses the command line of `npm run bench -- [options]`.
 * @param argv - `process.argv`
 * @throws (via commander) exiting with usage on invalid options
 */
export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const o = new Command()
    .name('npm run bench --')
    .description(
      'Benchmarks of aks-keysync on real local control planes, Azurite and the ARM simulator. Reports; never fails on timing.',
    )
    .option(
      '--scale <fraction>',
      'shrink every scenario (e.g. 0.1 for a quick run)',
      positive('--scale', false),
      1,
    )
    .option(
      '--arm-latency <ms>',
      'latency the ARM simulator adds to every call',
      positive('--arm-latency', false),
      50,
    )
    .option('--event-runs <n>', 'measured key regenerations', positive('--event-runs', true), 5)
    .option(
      '--cold-start-runs <n>',
      'fresh processes per cold-start subject',
      positive('--cold-start-runs', true),
      10,
    )
    .option('--only <list>', `comma-separated subset of ${scenarioNames.join(',')}`, scenarioNames.join(','))
    .option('--no-noop-at-scale', 'skip the second (no-op) full resync')
    .option('--no-populated-event', 'skip the event measurement with the full data set present')
    .parse([...argv])
    .opts<{
      scale: number;
      armLatency: number;
      eventRuns: number;
      coldStartRuns: number;
      only: string;
      noopAtScale: boolean;
      populatedEvent: boolean;
    }>();
  if (o.scale > 1) throw new InvalidArgumentError('--scale must be at most 1');
  const only = new Set<ScenarioName>();
  for (const name of o.only.split(',').map((s) => s.trim())) {
    if (!(scenarioNames as readonly string[]).includes(name))
      throw new InvalidArgumentError(
        `--only: unknown scenario '${name}' (known: ${scenarioNames.join(', ')})`,
      );
    only.add(name as ScenarioName);
  }
  return {
    scale: o.scale,
    armLatencyInMs: o.armLatency,
    eventRuns: o.eventRuns,
    coldStartRuns: o.coldStartRuns,
    only,
    noopAtScale: o.noopAtScale,
    populatedEvent: o.populatedEvent,
  };
}
