import type { FaultTimeline } from '../FaultTimeline.ts';
import type { IssuedKeys, KeyRef } from '../IssuedKeys.ts';
import type { ObservedSecret } from '../SecretObserver.ts';
import type { FieldExpectation } from '../SoakModel.ts';
import type { Violations } from '../Violations.ts';

/** One key regeneration the soak made, and when every Secret bound to that key held the new value. */
export interface Rotation {
  readonly resourceId: string;
  readonly keyName: string;
  /** The generation the regeneration produced. */
  readonly generation: number;
  /** When `regenerateKey` was called (epoch ms). */
  readonly startedAt: number;
  /** Which part of the run it happened in. */
  readonly phase: 'chaos' | 'calm';
  /** When every bound field of that key held this generation or a newer one; undefined while not yet. */
  freshAt: number | undefined;
  /** Per cluster with bound fields: when all of them there held the new key (absent while not yet). */
  readonly freshInCluster: Map<string, number>;
  /** Clusters with bound fields. */
  readonly clusters: Set<string>;
  /** Bound fields it had to reach (0: the key is bound nowhere; not measured). */
  fields: number;
  /** Its bound fields all went away (bindings deleted or changed) before it reached them: not measured. */
  gone: boolean;
}

/** Where a field stands. */
interface FieldStatus {
  readonly fresh: boolean;
  /** Generation held, when it holds a key of the expected resource and name. */
  readonly generation: number | undefined;
  /** Since when it has not been fresh. */
  readonly staleSince: number;
  readonly why: string;
}

/** What the freshness check reads. */
export interface FreshnessInputs {
  readonly ledger: IssuedKeys;
  readonly expectations: () => readonly FieldExpectation[];
  readonly secret: (cluster: string, namespace: string, name: string) => ObservedSecret | undefined;
  readonly faults: FaultTimeline;
  readonly violations: Violations;
  /** Invariant (a)'s bound. */
  readonly boundInMs: number;
}

/**
 * Invariant (a) and the time-to-fresh measurement. A field (a Secret data key a binding maps from a key) is
 * fresh when it holds the resource's current value of that key. A stale field is a violation once it has been
 * stale for longer than the bound counted from the later of "it went stale" and "the last fault that can
 * affect its cluster stopped".
 */
export class FreshnessCheck {
  readonly rotations: Rotation[] = [];
  readonly #in: FreshnessInputs;
  /** Fields reported stale and not fresh since (one violation per stale episode). */
  readonly #reported = new Set<string>();
  #episodes = 0;

  constructor(inputs: FreshnessInputs) {
    this.#in = inputs;
  }

  /**
   * Registers a regeneration (after it completed, so its generation is known).
   * @param r - the rotation
   */
  rotated(r: Pick<Rotation, 'resourceId' | 'keyName' | 'generation' | 'startedAt' | 'phase'>): void {
    this.rotations.push({
      ...r,
      freshAt: undefined,
      fields: 0,
      freshInCluster: new Map(),
      clusters: new Set(),
      gone: false,
    });
  }

  /**
   * Re-evaluates every field and open rotation; records violations.
   * @param now - the time of evaluation
   */
  evaluate(now = Date.now()): void {
    const expectations = this.#in.expectations();
    const statuses = new Map(expectations.map((e) => [e.id, this.#status(e)]));
    for (const e of expectations) this.#checkField(e, statuses.get(e.id), now);
    for (const r of this.rotations) {
      if (r.freshAt === undefined && !r.gone) this.#timeRotation(r, expectations, statuses, now);
    }
  }

  #checkField(e: FieldExpectation, s: FieldStatus | undefined, now: number): void {
    if (!s) return;
    if (s.fresh) {
      this.#reported.delete(e.id);
      return;
    }
    const from = Math.max(s.staleSince, this.#in.faults.quietSince(e.cluster, now));
    if (now - from <= this.#in.boundInMs || this.#reported.has(e.id)) return;
    this.#reported.add(e.id);
    this.#episodes += 1;
    this.#in.violations.add(
      'a',
      `${describe(e)} (${shortId(e.resourceId)} ${e.keyName}) stale for ${Math.round((now - s.staleSince) / 1000)} s, ` +
        `${Math.round((now - from) / 1000)} s after the last fault affecting ${e.cluster}: ${s.why}`,
      `${e.id}#${this.#episodes}`,
      now,
    );
  }

  #timeRotation(
    r: Rotation,
    expectations: readonly FieldExpectation[],
    statuses: ReadonlyMap<string, FieldStatus>,
    now: number,
  ): void {
    const bound = expectations.filter((e) => sameKey(e, r) && e.since <= r.startedAt);
    r.fields = Math.max(r.fields, bound.length);
    if (bound.length === 0) {
      // Every binding it had to reach was deleted or changed meanwhile: nothing left to time.
      if (r.fields > 0) r.gone = true;
      return;
    }
    const reached = (e: FieldExpectation) => (statuses.get(e.id)?.generation ?? -1) >= r.generation;
    for (const cluster of new Set(bound.map((e) => e.cluster))) {
      r.clusters.add(cluster);
      if (r.freshInCluster.has(cluster)) continue;
      if (bound.filter((e) => e.cluster === cluster).every(reached)) r.freshInCluster.set(cluster, now);
    }
    if (bound.every(reached)) r.freshAt = now;
  }

  /**
   * The end of the run: every field still stale and not reported yet is a violation.
   * @returns the stale fields, with why (IDs only)
   */
  finalCheck(): string[] {
    const stale = this.#in
      .expectations()
      .map((e) => ({ e, s: this.#status(e) }))
      .filter(({ s }) => !s.fresh);
    for (const { e, s } of stale) {
      if (this.#reported.has(e.id)) continue;
      this.#in.violations.add(
        'a',
        `still stale at the end of the run: ${describe(e)}: ${s.why}`,
        `${e.id}#end`,
      );
    }
    return stale.map(({ e, s }) => `${describe(e)}: ${s.why}`);
  }

  /** Fields not fresh now, with why (IDs only). */
  staleFields(): string[] {
    return this.#in
      .expectations()
      .map((e) => ({ e, s: this.#status(e) }))
      .filter(({ s }) => !s.fresh)
      .map(({ e, s }) => `${describe(e)}: ${s.why}`);
  }

  /** Whether every field is fresh and every measured rotation reached all its fields. */
  settled(): boolean {
    return (
      this.staleFields().length === 0 &&
      this.rotations.every((r) => r.freshAt !== undefined || r.fields === 0 || r.gone)
    );
  }

  #status(e: FieldExpectation): FieldStatus {
    const obs = this.#in.secret(e.cluster, e.namespace, e.secretName);
    const value = obs?.data?.get(e.dataKey);
    if (!obs || value === undefined) {
      return stale(e, obs?.since ?? 0, obs?.data ? 'no such data key' : 'missing');
    }
    const held = this.#in.ledger.identify(value).find((r) => sameKey(e, r));
    return held ? this.#compare(e, obs, held) : stale(e, obs.since, 'holds no key of it');
  }

  #compare(e: FieldExpectation, obs: ObservedSecret, held: KeyRef): FieldStatus {
    const current = this.#in.ledger.current(e.resourceId, e.keyName);
    if (current && held.generation >= current.generation) {
      return { fresh: true, generation: held.generation, staleSince: 0, why: '' };
    }
    const missed = this.rotations.find((r) => sameKey(e, r) && r.generation === held.generation + 1);
    return {
      ...stale(e, missed?.startedAt ?? obs.since, ''),
      generation: held.generation,
      why:
        `holds generation ${held.generation} (${held.fingerprint}), ` +
        `current is ${current?.generation ?? '?'} (${current?.fingerprint ?? '?'})`,
    };
  }
}

function describe(e: FieldExpectation): string {
  return `${e.cluster}/${e.namespace}/${e.secretName}[${e.dataKey}]`;
}

/** A stale status: stale since the later of the expectation's start and `since`. */
function stale(e: FieldExpectation, since: number, why: string): FieldStatus {
  return { fresh: false, generation: undefined, staleSince: Math.max(e.since, since), why };
}

function sameKey(e: { resourceId: string; keyName: string }, r: { resourceId: string; keyName: string }) {
  return e.resourceId.toLowerCase() === r.resourceId.toLowerCase() && e.keyName === r.keyName;
}

/** The last two segments of an ARM ID (type and name), for compact messages. */
export function shortId(resourceId: string): string {
  return resourceId.split('/').slice(-2).join('/');
}
