/**
 * Scenario 3: a full resync of many resources and bindings spread over every cluster, with the ARM
 * simulator's write throttling on (ARM's default 200 burst, 10/s refill), timed against the token-bucket
 * floor: the listKeys calls beyond the burst cannot go faster than the refill.
 */
import { performance } from 'node:perf_hooks';

import type { Services } from '../../shared/createServices.ts';
import { runResync } from '../../shared/resync/runResync.ts';
import { countRequests, requestsOf, writeVerbs } from './apiserverRequests.ts';
import type { ArmCallCounts } from './countArmCalls.ts';
import { countArmCalls } from './countArmCalls.ts';
import type { CpuSeconds } from './CpuMeter.ts';
import { instrumentDeps } from './instrumentDeps.ts';
import type { ResyncWrites } from './measureResyncWrites.ts';
import { measureResyncWrites } from './measureResyncWrites.ts';
import type { PlannedBinding } from './seedBindings.ts';
import { addStorageAccounts, clusterAt, createKeyBindings, createNamespaces } from './seedBindings.ts';
import type { BenchEnvironment } from './startBenchEnvironment.ts';
import { serviceUser } from './startBenchEnvironment.ts';
import type { SpanGroup } from './Timeline.ts';
import { Timeline } from './Timeline.ts';

/** ARM's write refill per second (the simulator's default, and the client's). */
export const writeRefillPerSecond = 10;

/** Options of {@link runResyncScenario}. */
export interface ResyncScenarioOptions {
  readonly resources: number;
  readonly bindingsPerResource: number;
  /** Namespaces per cluster (the bindings are spread over them). */
  readonly namespaces: number;
  /**
   * The write bucket's burst, both in the simulator and the client. ARM's (200) at full scale; scaled down
   * with the scenario so that the floor keeps its meaning.
   */
  readonly burst: number;
  /** Resync everything (`true`) or only the first namespace (shared clusters; needs `namespaces: 1`). */
  readonly resyncAll: boolean;
  /** KeyBinding creations in flight while seeding. */
  readonly seedConcurrency: number;
  /** Resync a second time (nothing changed, buckets refilled) and count its writes. */
  readonly steadyState: boolean;
}

/** The scenario's measurements. */
export interface ResyncScenarioResult {
  readonly resources: number;
  readonly bindings: number;
  readonly clusters: number;
  readonly burst: number;
  /** Creating the KeyBindings (not part of the ratio). */
  readonly seedMs: number;
  readonly wallMs: number;
  /** (resources - burst) / refill. */
  readonly floorMs: number;
  readonly arm: ArmCallCounts;
  /** Bindings reported created, updated or unchanged. */
  readonly synced: number;
  /** Bindings reported as errors or conflicts. */
  readonly failed: number;
  readonly secretWrites: number;
  readonly statusPatches: number;
  readonly eventsCreated: number;
  readonly phases: readonly SpanGroup[];
  /** CPU seconds per process group during the resync. */
  readonly cpu: CpuSeconds;
  /** The second resync, when asked for. */
  readonly steady?: ResyncWrites;
  /** The namespaces used (for later scenarios on the same data). */
  readonly namespaces: readonly string[];
  /** The resources' IDs. */
  readonly resourceIds: readonly string[];
}

/**
 * Seeds the data (untimed), refills every bucket, then times one resync.
 * @param env - the environment
 * @param o - sizes and options
 */
export async function runResyncScenario(
  env: BenchEnvironment,
  o: ResyncScenarioOptions,
): Promise<ResyncScenarioResult> {
  const namespaces = Array.from(
    { length: o.namespaces },
    (_, i) => `${env.namespacePrefix}-rs-${String(i).padStart(2, '0')}`,
  );
  await createNamespaces(env, namespaces);
  const resourceIds = addStorageAccounts(env, 'stbenchrs', o.resources);
  const plan: PlannedBinding[] = resourceIds.flatMap((resourceId, r) =>
    Array.from({ length: o.bindingsPerResource }, (_, j) => ({
      cluster: clusterAt(env, r * o.bindingsPerResource + j),
      namespace: namespaces[r % namespaces.length] ?? '',
      name: `b-${String(r).padStart(4, '0')}-${j}`,
      resourceId,
    })),
  );
  const seedStart = performance.now();
  await createKeyBindings(plan, o.seedConcurrency);
  const seedMs = performance.now() - seedStart;

  const request = o.resyncAll ? {} : { namespace: namespaces[0] };
  const services = refillBuckets(env, o.burst);
  const timeline = new Timeline();
  const requests = await countRequests(env.clusters);
  env.sim.resetCalls();
  const cpu = env.cpu.start();
  timeline.reset();
  const t0 = performance.now();
  const report = await runResync(instrumentDeps(services.engineDeps(env.logger), timeline), request);
  const wallMs = performance.now() - t0;
  const cpuSeconds = cpu();
  const counts = await requests();
  const steady = o.steadyState
    ? await measureResyncWrites(env, refillBuckets(env, o.burst), request)
    : undefined;
  return {
    resources: o.resources,
    bindings: plan.length,
    clusters: env.clusters.length,
    burst: o.burst,
    seedMs,
    wallMs,
    floorMs: (Math.max(0, o.resources - o.burst) / writeRefillPerSecond) * 1000,
    arm: countArmCalls(env.sim.calls({ principal: serviceUser })),
    synced: report.totals.created + report.totals.updated + report.totals.unchanged,
    failed: report.totals.error + report.totals.conflict,
    secretWrites: requestsOf(counts, 'secrets', writeVerbs),
    statusPatches: requestsOf(counts, 'keybindings/status', writeVerbs),
    eventsCreated: requestsOf(counts, 'events', ['POST']),
    phases: timeline.groups(),
    cpu: cpuSeconds,
    ...(steady ? { steady } : {}),
    namespaces,
    resourceIds,
  };
}

/**
 * Fills the simulator's buckets (as after a long idle time) and returns services with a full client-side budget.
 * @param env - the environment
 * @param burst - the write bucket's size
 */
function refillBuckets(env: BenchEnvironment, burst: number): Services {
  env.sim.setThrottling({ writes: { burst, refillPerSecond: writeRefillPerSecond } });
  return env.services(burst);
}
