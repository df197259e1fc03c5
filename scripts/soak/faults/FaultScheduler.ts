import { setTimeout as sleep } from 'node:timers/promises';

import type { FaultInterval, FaultTimeline } from '../FaultTimeline.ts';
import type { Random } from '../Random.ts';
import type { Fault, FaultKind } from './Fault.ts';

/**
 * Longest fault and longest mean gap between fault starts: short and frequent enough that a 10-minute soak
 * (6.5 minutes of chaos) injects every one of the twelve kinds at least five times, long enough to outlast the
 * engine's first retries (Event Grid's first redeliveries, the watch path's first scheduled retries).
 */
const maxFaultInMs = 12_000;
const maxMeanGapInMs = 4_000;

/** Options of {@link runFaults}. */
export interface FaultScheduleOptions {
  readonly kinds: readonly FaultKind[];
  readonly clusters: readonly string[];
  readonly random: Random;
  readonly timeline: FaultTimeline;
  /** How long to keep injecting; every fault is off when the promise resolves. */
  readonly durationInMs: number;
  /** Most faults on at once. */
  readonly maxConcurrent: number;
  /** Told of every start and stop (for progress output). */
  readonly onChange?: (line: string) => void;
}

/**
 * Injects faults at random for a while: kinds are taken from a shuffled cycle (so a short run still sees each
 * kind before any repeats), targets at random, durations a random share of the run (2-12 s), with a few on at
 * once. Every fault is recorded in the timeline, and stopped by the end.
 * @param o - kinds, targets, randomness, duration
 */
export async function runFaults(o: FaultScheduleOptions): Promise<void> {
  const end = Date.now() + o.durationInMs;
  const active = new Map<Fault, { interval: FaultInterval; stopping: Promise<void> | undefined }>();
  const meanGap = Math.min(maxMeanGapInMs, Math.max(1_000, o.durationInMs / (o.kinds.length * 1.5)));
  let cycle: FaultKind[] = [];
  const stop = async (f: Fault) => {
    const a = active.get(f);
    if (!a) return;
    a.stopping ??= (async () => {
      await f.stop().catch(() => undefined);
      o.timeline.end(a.interval);
      active.delete(f);
      o.onChange?.(`fault off: ${f.kind} ${f.detail}`);
    })();
    await a.stopping;
  };
  const running: Promise<void>[] = [];
  while (Date.now() < end) {
    await sleep(o.random.between(0.5, 1.5) * meanGap);
    if (Date.now() >= end) break;
    if (active.size >= o.maxConcurrent) continue;
    if (cycle.length === 0) cycle = o.random.shuffle(o.kinds);
    const locks = new Set([...active.keys()].map((f) => f.lock));
    let fault: Fault | undefined;
    for (let i = 0; i < cycle.length && !fault; i++) {
      const kind = cycle[i] as FaultKind;
      const candidate = kind.make(kind.perCluster ? o.random.pick(o.clusters) : undefined, o.random);
      if (locks.has(candidate.lock)) continue;
      cycle.splice(i, 1);
      fault = candidate;
    }
    if (!fault) continue;
    const f = fault;
    const interval = o.timeline.begin(f.kind, f.scope);
    active.set(f, { interval, stopping: undefined });
    o.onChange?.(`fault on: ${f.kind} ${f.detail}`);
    if (f.instant) {
      running.push(
        f.start().then(
          () => stop(f),
          (err: unknown) => {
            o.onChange?.(
              `fault ${f.kind} failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
            );
            return stop(f);
          },
        ),
      );
      continue;
    }
    await f.start();
    const durationInMs = Math.min(
      Math.max(2_000, o.random.between(0.08, 0.2) * o.durationInMs),
      maxFaultInMs,
      Math.max(0, end - Date.now()),
    );
    running.push(sleep(durationInMs).then(() => stop(f)));
  }
  await Promise.all([...active.keys()].map(stop));
  await Promise.all(running);
}
