/**
 * The soak of issue 10 ("No rotation is ever lost"): the real handlers on the local stack under random load
 * and random faults, with five invariants checked all along (see docs/reliability.md). Phases:
 *   warm-up: bindings created, one HTTP resync, wait until every Secret is fresh;
 *   chaos (65% of the length): faults, rotations, hand edits, binding churn, timer and HTTP resyncs;
 *   calm (the rest): no faults and no resyncs, the same load: the event and watch paths alone;
 *   drain: load stops; wait until every Secret is fresh, at most the bound after the last fault or action.
 */
import { setTimeout as sleep } from 'node:timers/promises';

import { FreshnessCheck } from './checks/FreshnessCheck.ts';
import { LeakCheck } from './checks/LeakCheck.ts';
import { OwnershipCheck } from './checks/OwnershipCheck.ts';
import { RegressionCheck } from './checks/RegressionCheck.ts';
import { ThrottleCheck } from './checks/ThrottleCheck.ts';
import { armFaults } from './faults/armFaults.ts';
import { eventDeliveryFaults } from './faults/eventDeliveryFaults.ts';
import type { FaultKind } from './faults/Fault.ts';
import { runFaults } from './faults/FaultScheduler.ts';
import { networkFaults } from './faults/networkFaults.ts';
import { restartFaults } from './faults/restartFaults.ts';
import { secretWriteFaults } from './faults/secretWriteFaults.ts';
import { FaultTimeline } from './FaultTimeline.ts';
import { IssuedKeys } from './IssuedKeys.ts';
import { BindingChurn } from './load/BindingChurn.ts';
import { HandEdits } from './load/HandEdits.ts';
import { createKeyBinding, listKeyBindings } from './load/keyBindings.ts';
import { planBindings, planMistakes } from './load/planBindings.ts';
import { firstLine, repeat } from './load/repeat.ts';
import { Resyncs } from './load/Resyncs.ts';
import { Rotations } from './load/Rotations.ts';
import { Random } from './Random.ts';
import { SecretObserver } from './SecretObserver.ts';
import type { SoakResource } from './SoakModel.ts';
import { SoakModel } from './SoakModel.ts';
import type { SoakResult } from './SoakResult.ts';
import { timeToFreshRows } from './timeToFresh.ts';
import { serviceUser, soakSubscriptionId, startSoakStack } from './startSoakStack.ts';
import type { SoakStack } from './startSoakStack.ts';
import { Violations } from './Violations.ts';

/**
 * Invariant (a)'s bound: after the last fault that can affect a cluster stops, every bound Secret there holds
 * its resource's current keys within this long, with no resync helping (the real timer runs hourly).
 */
export const FRESHNESS_BOUND_MS = 60_000;

/** Share of the run with faults on. */
const chaosShare = 0.65;
/**
 * Share of the chaos phase with resyncs (the safety net) racing the other paths; the faults of the rest of it
 * must be survived by the event and watch paths' own retries.
 */
const resyncShare = 0.7;
/** Most faults on at once. */
const maxConcurrentFaults = 4;

/** Options of {@link runSoak}. */
export interface SoakOptions {
  readonly seed: number;
  /** Length of the chaos and calm phases together (the drain adds up to the bound). */
  readonly minutes: number;
  readonly clusters: 2 | 3;
  /** Invariant (a)'s bound; {@link FRESHNESS_BOUND_MS} by default. */
  readonly boundInMs?: number;
  /** Progress and violations as they happen (stderr in the CLI). */
  readonly progress: (line: string) => void;
}

/**
 * Runs the soak on a stack of its own and returns what it measured; `ok` is false on any violation.
 * @param o - seed, length, clusters, bound, progress output
 * @throws Error when the stack cannot start
 */
export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const boundInMs = o.boundInMs ?? FRESHNESS_BOUND_MS;
  const random = new Random(o.seed);
  const rPlan = random.fork();
  const rFaults = random.fork();
  const rRotations = random.fork();
  const rResyncs = random.fork();
  const rScheduled = random.fork();
  const rChurn = random.fork();
  const rEdits = random.fork();
  const stackStart = Date.now();
  o.progress(`starting ${o.clusters} control planes, Azurite, the ARM simulator and the handlers`);
  const stack = await startSoakStack({ clusters: o.clusters, namespaces: 2, progress: o.progress });
  const t0 = Date.now();
  const at = () => `[+${((Date.now() - t0) / 1000).toFixed(1)}s]`;
  const say = (line: string) => o.progress(`${at()} ${line}`);
  say(`stack ready in ${((t0 - stackStart) / 1000).toFixed(1)} s; seed ${o.seed}`);
  const observer = new SecretObserver(
    stack.clusters.map((c) => ({ name: c.name, admin: c.admin })),
    (ns) => stack.namespaces.includes(ns),
  );
  try {
    return await soak(stack, observer);
  } finally {
    await observer.stop().catch(() => undefined);
    await stack.stop().catch((err: unknown) => o.progress(`stack did not stop cleanly: ${firstLine(err)}`));
  }

  async function soak(s: SoakStack, obs: SecretObserver): Promise<SoakResult> {
    const resources = seedResources(s);
    const model = new SoakModel(resources);
    const ledger = new IssuedKeys(
      (id) => s.sim.keyHistory(id),
      resources.map((r) => r.id),
    );
    const violations = new Violations(t0, (v) => say(`VIOLATION (${v.invariant}) ${v.description}`));
    const timeline = new FaultTimeline();
    const freshness = new FreshnessCheck({
      ledger,
      expectations: () => model.expectations(),
      secret: (c, ns, n) => obs.get(c, ns, n),
      faults: timeline,
      violations,
      boundInMs,
    });
    const regression = new RegressionCheck(ledger, violations);
    const ownership = new OwnershipCheck(
      s.webhook,
      s.clusters.map((c) => c.audit),
      violations,
      serviceUser,
    );
    const throttle = new ThrottleCheck(serviceUser, violations);
    const leak = new LeakCheck(() => s.sim.keyValues(), violations);
    let snapshots: string[] = [];
    leak.add({ name: 'handler and watcher logs', lines: () => s.logLines, growing: true });
    leak.add({ name: 'HTTP answers', lines: () => s.httpBodies, growing: true });
    leak.add({ name: 'KeyBinding status and Events', lines: () => snapshots, growing: false });
    const snapshot = async () => {
      const texts: string[] = [];
      for (const c of s.clusters) {
        for (const ns of s.namespaces) {
          const [bindings, events] = await Promise.all([
            listKeyBindings(c.custom, ns),
            c.core.listNamespacedEvent({ namespace: ns }),
          ]);
          texts.push(
            ...bindings.map((b) => JSON.stringify(b)),
            ...events.items.map((e) => JSON.stringify(e)),
          );
        }
      }
      snapshots = texts;
    };

    obs.onChange((secret) => {
      regression.observe(secret);
      freshness.evaluate();
    });
    await obs.start();

    // Warm-up: the bindings, one resync, every Secret fresh.
    let phase: 'warm-up' | 'chaos' | 'calm' | 'drain' = 'warm-up';
    const bindings = planBindings({
      random: rPlan,
      clusters: s.clusters.map((c) => c.name),
      namespaces: s.namespaces,
      resources,
      now: Date.now(),
    });
    const custom = (cluster: string) =>
      s.clusters.find((c) => c.name === cluster)?.custom ?? s.clusters[0]!.custom;
    const core = (cluster: string) => s.clusters.find((c) => c.name === cluster)?.core ?? s.clusters[0]!.core;
    for (const b of bindings) {
      await createKeyBinding(custom(b.cluster), b.namespace, b.name, b.spec);
      model.put(b);
    }
    say(`${bindings.length} KeyBindings of ${resources.length} resources created; initial HTTP resync`);
    await s.resync({});
    const warmDeadline = Date.now() + boundInMs;
    while (!freshness.settled() && Date.now() < warmDeadline) await sleep(250);
    say(
      freshness.settled() ? 'every bound Secret fresh: chaos starts' : 'warm-up did not converge; going on',
    );

    const rotations = new Rotations({
      sim: s.sim,
      model,
      freshness,
      random: rRotations.fork(),
      phase: () => (phase === 'chaos' ? 'chaos' : 'calm'),
      preferQuiet: () => phase === 'chaos' && resyncStop.signal.aborted,
    });
    const resyncs = new Resyncs(
      s,
      rResyncs.fork(),
      resources.map((r) => r.id),
    );
    const churn = new BindingChurn({
      model,
      random: rChurn.fork(),
      custom,
      slots: s.clusters.flatMap((c) => s.namespaces.map((namespace) => ({ cluster: c.name, namespace }))),
    });
    const edits = new HandEdits({
      model,
      random: rEdits.fork(),
      core,
      exists: (c, ns, n) => obs.get(c, ns, n)?.data !== undefined,
      preferQuiet: () => resyncStop.signal.aborted,
    });
    const checker = setInterval(() => freshness.evaluate(), 250);
    let polls = 0;
    const poller = setInterval(() => {
      polls += 1;
      ownership.poll();
      throttle.collect(s.sim.calls());
      leak.scan();
      if (polls % 8 === 0) {
        void snapshot().catch(() => undefined);
        const stale = freshness.staleFields().length;
        say(
          `${phase}: ${rotations.total()} rotations, ${stale} stale fields, ${s.queue.length} queued watch messages, ` +
            `${violations.list().length} violations`,
        );
      }
    }, 2_000);

    const totalMs = o.minutes * 60_000;
    const chaosMs = Math.round(totalMs * chaosShare);
    const loadStop = new AbortController();
    const resyncStop = new AbortController();
    let lastAction = Date.now();
    const acted = () => {
      lastAction = Date.now();
    };
    const loadErrors = new Map<string, number>();
    const failed = (what: string) => (err: unknown) => {
      loadErrors.set(what, (loadErrors.get(what) ?? 0) + 1);
      if ((loadErrors.get(what) ?? 0) <= 3) say(`${what} failed: ${firstLine(err)}`);
    };
    const kinds: FaultKind[] = [
      ...eventDeliveryFaults(s.subscription),
      ...armFaults(s.sim, serviceUser),
      ...secretWriteFaults(s.webhook),
      ...restartFaults(s.clusters, s.azurite),
      ...networkFaults(s.clusters, s.queue, (p) => s.setWatchConsumerPaused(p)),
    ];

    const mistakes = planMistakes(bindings, resources[0]!, Date.now());
    for (const b of mistakes) {
      await createKeyBinding(custom(b.cluster), b.namespace, b.name, b.spec);
      model.put(b);
    }
    say(`mistakes made: ${mistakes.map((b) => `${b.cluster}/${b.namespace}/${b.name}`).join(', ')}`);
    phase = 'chaos';
    const chaosStart = Date.now();
    const resyncTimer = setTimeout(() => resyncStop.abort(), chaosMs * resyncShare);
    const loop = (random: Random, gapInMs: [number, number], signal: AbortSignal, what: string) => ({
      random,
      gapInMs,
      signal,
      onError: failed(what),
    });
    const load = Promise.all([
      repeat(loop(rRotations, [1_000, 3_000], loadStop.signal, 'rotation'), async () => {
        await rotations.step();
        acted();
      }),
      repeat(loop(rEdits, [4_000, 9_000], loadStop.signal, 'hand edit'), async () => {
        await edits.step();
        acted();
      }),
      repeat(loop(rChurn, [5_000, 10_000], loadStop.signal, 'binding churn'), async () => {
        await churn.step();
        acted();
      }),
      repeat(loop(rResyncs, [2_500, 7_000], resyncStop.signal, 'HTTP resync'), () => resyncs.httpStep()),
      repeat(loop(rScheduled, [8_000, 18_000], resyncStop.signal, 'scheduled resync'), () =>
        resyncs.scheduledStep(),
      ),
    ]);
    say(
      `chaos for ${(chaosMs / 1000).toFixed(0)} s: ${kinds.length} fault kinds, at most ${maxConcurrentFaults} at once`,
    );
    await runFaults({
      kinds,
      clusters: s.clusters.map((c) => c.name),
      random: rFaults,
      timeline,
      durationInMs: chaosMs,
      maxConcurrent: maxConcurrentFaults,
      onChange: say,
    });
    clearTimeout(resyncTimer);
    resyncStop.abort();
    phase = 'calm';
    const calmMs = Math.max(0, totalMs - (Date.now() - chaosStart));
    say(`calm for ${(calmMs / 1000).toFixed(0)} s: no faults, no resyncs; the event and watch paths alone`);
    await sleep(calmMs);
    loadStop.abort();
    await load;
    await rotations.settle();
    phase = 'drain';
    const deadline = Math.max(timeline.lastEnd(), lastAction) + boundInMs + 2_000;
    say(
      `drain: load stopped; waiting until every Secret is fresh (at most ${((deadline - Date.now()) / 1000).toFixed(0)} s)`,
    );
    while (!freshness.settled() && Date.now() < deadline) await sleep(250);
    clearInterval(checker);
    clearInterval(poller);
    freshness.evaluate();
    const staleAtEnd = freshness.finalCheck();
    await s.sim.waitForDeliveries(10_000).catch(() => undefined);
    await snapshot().catch((err: unknown) => say(`snapshot failed: ${firstLine(err)}`));
    ownership.poll();
    throttle.collect(s.sim.calls());
    throttle.check(resyncs.resyncs);
    leak.scan();
    const endedAt = Date.now();
    say(`done: ${violations.list().length} violations`);

    const faultKinds = [...new Set([...kinds.map((k) => k.kind)])];
    return {
      ok: violations.list().length === 0,
      seed: o.seed,
      minutes: o.minutes,
      clusters: o.clusters,
      boundInMs,
      stackStartInMs: t0 - stackStart,
      durationInMs: endedAt - t0,
      faults: faultKinds.map((kind) => {
        const is = timeline.intervals.filter((i) => i.kind === kind);
        return {
          kind,
          count: is.length,
          activeInMs: is.reduce((sum, i) => sum + ((i.end ?? endedAt) - i.start), 0),
          targets: [...new Set(is.map((i) => i.scope))].sort(),
        };
      }),
      load: {
        resources: resources.length,
        bindings: bindings.length,
        rotations: { ...rotations.counts, failed: rotations.failed },
        handEdits: edits.edited,
        handDeletes: edits.deleted,
        churn: { created: churn.created, changed: churn.changed, deleted: churn.deleted },
        resyncs: {
          scheduled: resyncs.scheduled,
          http: resyncs.http,
          httpFailed: resyncs.httpFailed,
          bindingErrors: resyncs.bindingErrors,
        },
        loadErrors: Object.fromEntries(loadErrors),
      },
      paths: {
        armEvents: s.sim.publishedEvents().length,
        deliveryAttempts: s.subscription.attempts().length,
        deliveriesFailed: s.endpoint.invocations.filter((i) => !i.ok).length,
        deadLetteredEvents: s.subscription.deadLetters().length,
        watchMessages: s.queue.accepted.length,
        watchDeadLetters: s.queue.deadLetters.length,
        watcherErrors: s.watchers.reduce((n, w) => n + w.counters().watchErrors, 0),
        armCalls: throttle.total(),
        arm429: throttle.throttled(),
        secretObservations: regression.observations,
        serviceSecretWritesAudited: ownership.audited.total,
        serviceSecretWritesFailed: ownership.audited.failed,
        serviceSecretWritesReviewed: ownership.reviewed,
        logLinesScanned: leak.lines,
      },
      timeToFresh: timeToFreshRows(freshness.rotations, timeline),
      violations: violations.list(),
      staleAtEnd,
    };
  }
}

/**
 * The simulated resources: two of each type in one resource group; the second of each is quiet. The first
 * Storage account is a general-purpose v1 one (no dfs or web endpoint), for `planMistakes`.
 */
function seedResources(s: SoakStack): SoakResource[] {
  const at = { subscriptionId: soakSubscriptionId, resourceGroup: 'rg-soak' };
  const v1 = (name: string) => ({
    blob: `https://${name}.blob.core.windows.net/`,
    queue: `https://${name}.queue.core.windows.net/`,
    table: `https://${name}.table.core.windows.net/`,
    file: `https://${name}.file.core.windows.net/`,
  });
  const add = {
    storage: (name: string, n: number) =>
      s.sim.addStorageAccount({ ...at, name, ...(n === 1 ? { primaryEndpoints: v1(name) } : {}) }),
    cosmos: (name: string) => s.sim.addCosmosAccount({ ...at, name }),
    redis: (name: string) => s.sim.addRedisCache({ ...at, name }),
  };
  const names = { storage: 'stsoak', cosmos: 'cosmos-soak-', redis: 'redis-soak-' };
  return (['storage', 'cosmos', 'redis'] as const).flatMap((kind) =>
    [1, 2].map((n) => {
      const name = `${names[kind]}${n}`;
      return { kind, name, id: add[kind](name, n), quiet: n === 2 };
    }),
  );
}
