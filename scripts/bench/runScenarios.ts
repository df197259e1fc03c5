/**
 * Runs the scenarios that need the local stack, in order, each at the requested scale, printing each one's
 * details as soon as it is done. A failing scenario is recorded and the next one still runs.
 */
import type { BenchReport } from './BenchReport.ts';
import type { EventScenarioOptions } from './eventScenario.ts';
import { runEventScenario } from './eventScenario.ts';
import { formatEventDetails, formatResyncDetails } from './formatDetails.ts';
import type { BenchOptions } from './parseBenchArgs.ts';
import { runResyncScenario } from './resyncScenario.ts';
import type { BenchEnvironment } from './startBenchEnvironment.ts';

/** The sizes (scale 1). */
export const fullSize = {
  eventBindings: 100,
  resyncResources: 1000,
  bindingsPerResource: 10,
  resyncNamespaces: 10,
  /** ARM's write bucket. */
  burst: 200,
} as const;

/** The sizes at a scale: every count shrinks with it (the ARM write burst too, so the floor keeps its meaning). */
export function scaledSizes(scale: number) {
  const resources = Math.max(2, Math.round(fullSize.resyncResources * scale));
  return {
    eventBindings: Math.max(3, Math.round(fullSize.eventBindings * scale)),
    resyncResources: resources,
    resyncNamespaces: Math.min(fullSize.resyncNamespaces, resources),
    burst: scale >= 1 ? fullSize.burst : Math.max(1, Math.round(fullSize.burst * scale)),
  };
}

type Results = Pick<BenchReport, 'event' | 'resync' | 'populatedEvent'>;

/**
 * Runs the event scenario, the resync scenario, then the event scenario on the populated clusters.
 * @param env - the environment
 * @param o - options
 * @param print - output
 * @param failures - receives failed scenarios
 */
export async function runScenarios(
  env: BenchEnvironment,
  o: BenchOptions,
  print: (line?: string) => void,
  failures: Array<{ scenario: string; reason: string }>,
): Promise<Results> {
  const size = scaledSizes(o.scale);
  const results: { -readonly [K in keyof Results]: Results[K] } = {};
  const event = (namespace: string, accountPrefix: string, resyncAll: boolean): EventScenarioOptions => ({
    namespace,
    accountPrefix,
    bindings: size.eventBindings,
    runs: o.eventRuns,
    resyncAll,
    cleanUp: resyncAll && o.only.has('resync'),
    timeoutInMs: 60_000,
  });
  const attempt = async (scenario: string, title: string, run: () => Promise<string[]>) => {
    print(`\n== ${title}`);
    try {
      for (const l of await run()) print(`  ${l}`);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      failures.push({ scenario, reason });
      print(`  FAILED: ${reason}`);
    }
  };
  if (o.only.has('event'))
    await attempt('1+2', 'Scenarios 1 and 2: regenerate -> Event Grid -> onArmEvent -> Secrets', async () => {
      results.event = await runEventScenario(env, event(`${env.namespacePrefix}-ev`, 'stbenchev', true));
      return formatEventDetails(results.event);
    });
  if (o.only.has('resync'))
    await attempt('3', 'Scenario 3: full resync', async () => {
      results.resync = await runResyncScenario(env, {
        resources: size.resyncResources,
        bindingsPerResource: fullSize.bindingsPerResource,
        namespaces: size.resyncNamespaces,
        burst: size.burst,
        resyncAll: true,
        seedConcurrency: 32,
        steadyState: o.noopAtScale,
      });
      return formatResyncDetails(results.resync);
    });
  if (o.only.has('event') && o.only.has('resync') && o.populatedEvent && results.resync)
    await attempt('1 (populated)', 'Scenario 1 again, with the resync data set in the clusters', async () => {
      results.populatedEvent = await runEventScenario(
        env,
        event(`${env.namespacePrefix}-ev2`, 'stbenchevtwo', false),
      );
      return formatEventDetails(results.populatedEvent);
    });
  return results;
}
