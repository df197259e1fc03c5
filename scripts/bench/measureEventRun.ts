/**
 * One measured key regeneration: the simulator's `regenerateKey` raises the ResourceActionSuccess event,
 * Event Grid delivery (simulated) reaches the local Functions-host stand-in, which invokes the real onArmEvent
 * handler; the time ends when the watch has seen the last bound Secret change.
 */
import { performance } from 'node:perf_hooks';

import { countRequests, requestsOf, writeVerbs } from './apiserverRequests.ts';
import type { ArmCallCounts } from './countArmCalls.ts';
import { countArmCalls } from './countArmCalls.ts';
import type { CpuSeconds } from './CpuMeter.ts';
import { SecretChangeWatch } from './SecretChangeWatch.ts';
import type { BenchEnvironment } from './startBenchEnvironment.ts';
import { serviceUser } from './startBenchEnvironment.ts';
import type { Span, Timeline } from './Timeline.ts';

/** The outcome of one regeneration. */
export interface EventRun {
  /** Regenerate to the last bound Secret's change seen by the watch (ms). */
  readonly latencyMs: number;
  /** Regenerate to the engine's last Secret write answered (ms). */
  readonly lastWriteMs: number;
  /** Distinct Secrets the watch saw change / expected. */
  readonly secretsChanged: number;
  readonly secretsExpected: number;
  /** Secret changes the watch saw (resourceVersion bumps); 1 per changed Secret is the target. */
  readonly secretChanges: number;
  /** Secret write requests the apiservers served (PUT/POST/...); 1 per changed Secret is the target. */
  readonly secretWrites: number;
  readonly statusPatches: number;
  readonly eventsCreated: number;
  /** ARM calls of the service principal, the listKeys echo event's handling included. */
  readonly arm: ArmCallCounts;
  /** The timeline of this run (engine calls, handler invocations, ARM answers). */
  readonly spans: readonly Span[];
  /** Whether every expected Secret changed within the bound. */
  readonly complete: boolean;
  /** CPU seconds per process group from the regeneration until the handler returned. */
  readonly cpu: CpuSeconds;
}

/** What a run needs. */
export interface EventRunContext {
  readonly env: BenchEnvironment;
  readonly timeline: Timeline;
  readonly resourceId: string;
  /** Namespace of the bound Secrets. */
  readonly namespace: string;
  readonly expectedSecrets: number;
  readonly timeoutInMs: number;
}

/**
 * Regenerates `key1` (which every binding maps) once and measures the pickup.
 * @param x - environment, timeline, resource, expectations
 */
export async function measureEventRun(x: EventRunContext): Promise<EventRun> {
  const { env, timeline } = x;
  const watch = await SecretChangeWatch.start(env.clusters, x.namespace);
  try {
    const requests = await countRequests(env.clusters);
    env.sim.resetCalls();
    const cpu = env.cpu.start();
    timeline.reset();
    const t0 = performance.now() - timeline.now();
    await env.sim.regenerateKey(x.resourceId, 'key1');
    const complete = await watch.waitForChanged(x.expectedSecrets, x.timeoutInMs);
    await env.sim.waitForDeliveries(x.timeoutInMs);
    const cpuSeconds = cpu();
    await new Promise((r) => setTimeout(r, 200)); // late watch events would be extra writes
    const counts = await requests();
    const calls = env.sim.calls({ principal: serviceUser });
    for (const c of calls) {
      const at = timeline.fromEpoch(c.time);
      timeline.add({
        name: `arm ${c.method} ${c.operation?.split('/').slice(-2).join('/') ?? ''} answered`,
        detail: String(c.status),
        start: at,
        end: at,
      });
    }
    const firstChange = new Map<string, number>();
    for (const c of watch.changes()) {
      const key = `${c.cluster}/${c.namespace}/${c.name}`;
      if (!firstChange.has(key)) firstChange.set(key, c.at - t0);
    }
    const writes = timeline
      .spans()
      .filter((s) => s.name === 'k8s.replaceSecret' || s.name === 'k8s.createSecret');
    return {
      latencyMs: maxOf([...firstChange.values()]),
      lastWriteMs: maxOf(writes.map((s) => s.end)),
      secretsChanged: firstChange.size,
      secretsExpected: x.expectedSecrets,
      secretChanges: watch.changes().length,
      secretWrites: requestsOf(counts, 'secrets', writeVerbs),
      statusPatches: requestsOf(counts, 'keybindings/status', writeVerbs),
      eventsCreated: requestsOf(counts, 'events', ['POST']),
      arm: countArmCalls(calls),
      spans: timeline.spans(),
      complete: complete && watch.errors().length === 0,
      cpu: cpuSeconds,
    };
  } finally {
    watch.stop();
  }
}

function maxOf(values: readonly number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => Math.max(a, b));
}
