/**
 * Runs one resync and counts what it wrote, as the servers saw it: Secret writes and KeyBinding status /
 * Event writes from the apiservers' request counters, Secret changes from a watch, ARM calls from the
 * simulator's call log. Used for the "no-op resync writes nothing" check.
 */
import { performance } from 'node:perf_hooks';

import type { Services } from '../../shared/createServices.ts';
import type { ResyncReport } from '../../shared/reconcile/SyncReport.ts';
import type { ResyncRequest } from '../../shared/resync/runResync.ts';
import { runResync } from '../../shared/resync/runResync.ts';
import { countRequests, requestsOf, writeVerbs } from './apiserverRequests.ts';
import type { ArmCallCounts } from './countArmCalls.ts';
import { countArmCalls } from './countArmCalls.ts';
import type { CpuSeconds } from './CpuMeter.ts';
import { SecretChangeWatch } from './SecretChangeWatch.ts';
import type { BenchEnvironment } from './startBenchEnvironment.ts';
import { serviceUser } from './startBenchEnvironment.ts';

/** What one resync wrote. */
export interface ResyncWrites {
  readonly wallMs: number;
  readonly report: ResyncReport;
  /** Secret POST/PUT/PATCH/DELETE requests the apiservers served. */
  readonly secretWrites: number;
  /** Secret changes the watch saw (resourceVersion bumps). */
  readonly secretChanges: number;
  readonly statusPatches: number;
  readonly eventsCreated: number;
  readonly arm: ArmCallCounts;
  /** CPU seconds per process group during the resync. */
  readonly cpu: CpuSeconds;
}

/**
 * Runs a resync and counts its writes.
 * @param env - the environment
 * @param services - the services to resync with
 * @param request - filters of the resync
 * @param settleMs - wait after the resync for late watch events
 */
export async function measureResyncWrites(
  env: BenchEnvironment,
  services: Services,
  request: ResyncRequest,
  settleMs = 300,
): Promise<ResyncWrites> {
  const watch = await SecretChangeWatch.start(env.clusters, env.namespacePrefix);
  try {
    const requests = await countRequests(env.clusters);
    env.sim.resetCalls();
    const cpu = env.cpu.start();
    const t0 = performance.now();
    const report = await runResync(services.engineDeps(env.logger), request);
    const wallMs = performance.now() - t0;
    const cpuSeconds = cpu();
    await new Promise((r) => setTimeout(r, settleMs));
    const counts = await requests();
    return {
      wallMs,
      report,
      secretWrites: requestsOf(counts, 'secrets', writeVerbs),
      secretChanges: watch.changes().length,
      statusPatches: requestsOf(counts, 'keybindings/status', writeVerbs),
      eventsCreated: requestsOf(counts, 'events', ['POST']),
      arm: countArmCalls(env.sim.calls({ principal: serviceUser })),
      cpu: cpuSeconds,
    };
  } finally {
    watch.stop();
  }
}
