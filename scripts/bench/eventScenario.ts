/**
 * Scenarios 1 and 2: one storage account bound by N KeyBindings spread over every cluster; key
 * regenerations picked up through Event Grid -> onArmEvent (timed against the critical-path floor, calls and
 * writes counted), then a no-op resync (writes counted).
 */

import { createArmEventHandler } from '../../functions/onArmEvent.ts';
import { keyBindingApi } from '../../shared/bindings/KeyBinding.ts';
import type { Services } from '../../shared/createServices.ts';
import { startEventGridEndpoint } from '../../testkit/eventGridEndpoint.ts';
import { instrumentDeps } from './instrumentDeps.ts';
import type { EventRun } from './measureEventRun.ts';
import { measureEventRun } from './measureEventRun.ts';
import type { ResyncWrites } from './measureResyncWrites.ts';
import { measureResyncWrites } from './measureResyncWrites.ts';
import type { RoundTrips } from './measureRoundTrips.ts';
import { measureRoundTrips, median } from './measureRoundTrips.ts';
import { measureWriteBurst } from './measureWriteBurst.ts';
import type { PlannedBinding } from './seedBindings.ts';
import { addStorageAccounts, clusterAt, createKeyBindings, createNamespaces } from './seedBindings.ts';
import type { BenchEnvironment } from './startBenchEnvironment.ts';
import { Timeline } from './Timeline.ts';

/** Options of {@link runEventScenario}. */
export interface EventScenarioOptions {
  /** Namespace (in every cluster) of the bindings; must start with the environment's prefix. */
  readonly namespace: string;
  /** Account name prefix in the simulator (lower-case letters and digits). */
  readonly accountPrefix: string;
  readonly bindings: number;
  /** Measured regenerations. */
  readonly runs: number;
  /** Resync everything (`true`) or only this namespace (shared clusters). */
  readonly resyncAll: boolean;
  /** Delete the bindings at the end (so that later scenarios see only their own). */
  readonly cleanUp: boolean;
  readonly timeoutInMs: number;
}

/** The scenario's measurements. */
export interface EventScenarioResult {
  readonly bindings: number;
  readonly clusters: number;
  readonly roundTrips: RoundTrips;
  /** One ARM round trip + one Secret write round trip (the floor). */
  readonly floorMs: number;
  /** Writing as many Secrets as there are bindings at once (this machine's capacity), milliseconds. */
  readonly writeBurstMs: number;
  readonly runs: readonly EventRun[];
  /** The run with the median latency. */
  readonly medianRun: EventRun;
  readonly noopResync: ResyncWrites;
}

/**
 * Arranges the bindings, syncs them once, measures the round trips, then the regenerations and a no-op resync.
 * @param env - the environment
 * @param o - sizes and options
 */
export async function runEventScenario(
  env: BenchEnvironment,
  o: EventScenarioOptions,
): Promise<EventScenarioResult> {
  await createNamespaces(env, [o.namespace]);
  const [resourceId = ''] = addStorageAccounts(env, o.accountPrefix, 1);
  const plan: PlannedBinding[] = Array.from({ length: o.bindings }, (_, i) => ({
    cluster: clusterAt(env, i),
    namespace: o.namespace,
    name: `app-${String(i).padStart(3, '0')}`,
    resourceId,
  }));
  await createKeyBindings(plan);
  const services = env.services();
  const request = o.resyncAll ? {} : { namespace: o.namespace };
  const initial = await measureResyncWrites(env, services, request);
  if (initial.report.totals.error + initial.report.totals.conflict > 0)
    throw new Error(`initial resync failed for ${initial.report.totals.error} bindings (see warnings)`);

  const roundTrips = await measureRoundTrips(env, {
    credential: services.credential,
    resourceId,
    namespace: o.namespace,
  });
  const writeBurstMs = await measureWriteBurst(env, o.namespace, o.bindings);
  const timeline = new Timeline();
  const instrumented: Services = {
    ...services,
    armEventDeps: (logger) => instrumentDeps(services.armEventDeps(logger), timeline),
  };
  const handler = createArmEventHandler(() => Promise.resolve(instrumented));
  const endpoint = await startEventGridEndpoint((event, context) =>
    timeline.time('handler', operationOf(event), () => handler(event, context)),
  );
  const subscription = env.sim.subscribeEvents({ url: endpoint.url });
  const runs: EventRun[] = [];
  try {
    for (let i = 0; i < o.runs; i++) {
      runs.push(
        await measureEventRun({
          env,
          timeline,
          resourceId,
          namespace: o.namespace,
          expectedSecrets: o.bindings,
          timeoutInMs: o.timeoutInMs,
        }),
      );
    }
  } finally {
    subscription.unsubscribe();
    await endpoint.stop();
  }
  const noopResync = await measureResyncWrites(env, services, request);
  if (o.cleanUp) await deleteBindings(plan);
  const sorted = [...runs].sort((a, b) => a.latencyMs - b.latencyMs);
  const medianRun = sorted[Math.floor((sorted.length - 1) / 2)];
  if (!medianRun) throw new Error('no regeneration was measured');
  return {
    bindings: o.bindings,
    clusters: env.clusters.length,
    roundTrips,
    floorMs: roundTrips.armMs + roundTrips.k8sWriteMs,
    writeBurstMs,
    runs,
    medianRun,
    noopResync,
  };
}

/**
 * The median latency over runs.
 * @param runs - measured runs
 */
export function medianLatency(runs: readonly EventRun[]): number {
  return median(runs.map((r) => r.latencyMs));
}

function operationOf(event: unknown): string {
  const e = event as { data?: { operationName?: unknown }; eventType?: unknown; type?: unknown } | null;
  const op = e?.data?.operationName;
  return typeof op === 'string' ? (op.split('/').at(-2) ?? op) : String(e?.eventType ?? e?.type);
}

async function deleteBindings(plan: readonly PlannedBinding[]): Promise<void> {
  for (const b of plan) {
    await b.cluster.custom.deleteNamespacedCustomObject({
      group: keyBindingApi.group,
      version: keyBindingApi.version,
      plural: keyBindingApi.plural,
      namespace: b.namespace,
      name: b.name,
    });
  }
}
