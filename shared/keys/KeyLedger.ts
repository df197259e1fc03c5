/**
 * The key ledger: per resource, the fingerprints of the key states the service has read, each with a
 * generation that orders them. It is what makes Secret writes monotonic (docs/adr/0006-monotonic-key-writes.md):
 * every Secret records the generation of the keys it holds, and a write carrying an older generation is
 * refused. It also tells a stale read after a regeneration (keys first seen before the event) from a fresh one.
 *
 * Generations are first-sighting times in milliseconds, forced strictly increasing per resource. A time, not a
 * counter, so that a lost ledger (it is a cache in Table storage) restarts above every generation already
 * written into Secrets instead of below them.
 */

/** One key state of a resource, as first seen by the service. Holds a hash, never a key. */
export interface KeySighting {
  /** SHA-256 over all of the resource's keys (see fingerprintOf). */
  readonly fingerprint: string;
  /** Orders key states of one resource: a later state has a larger generation. First-sighting time in ms. */
  readonly generation: number;
  /** When the read that first saw this state had its answer (the recording process's clock). */
  readonly readEndedAt: number;
}

/** The time span of one ARM key read, on the reading process's clock. */
export interface ReadSpan {
  readonly startedAt: number;
  readonly endedAt: number;
}

/** What a read's fingerprint means against the ledger. */
export type SightingVerdict =
  /** A state seen before: `latest` tells whether it is still the newest one known. */
  | {
      readonly kind: 'known';
      readonly sighting: KeySighting;
      readonly latest: boolean;
      /** Announced regenerations that no key state seen so far can be the result of (see assignRegenerations). */
      readonly unsatisfiedEvents: number;
    }
  /** A state never seen, read after every known state was read: it is the newest, record it. */
  | { readonly kind: 'new'; readonly sighting: KeySighting; readonly unsatisfiedEvents: number }
  /**
   * A state never seen, read by a read that overlapped the read that first saw the newest known state: which of
   * the two ARM served later cannot be told, so the caller must read again (a read starting now is later than
   * both).
   */
  | { readonly kind: 'ambiguous' };

/** How many key states are remembered per resource (older ones are forgotten, so seen as new again). */
export const ledgerHistoryLength = 16;

/** A regeneration ARM announced (an Event Grid event): its event ID and time. */
export interface RegenerateEvent {
  readonly id: string;
  /** The event's time, in ms. */
  readonly at: number;
}

/**
 * How long an announced regeneration waits for its key state. Past it the regeneration is forgotten: one whose
 * new state was never read (a second regeneration came before anyone read the first one's result) must not
 * hold back every later pickup.
 */
export const regenerationWindowInMs = 10 * 60_000;

/**
 * Pure: how many announced regenerations no key state can be the result of. Regenerations in time order each
 * take the earliest state first seen at or after their time that an earlier one has not taken. Two Cosmos DB
 * regenerations in quick succession (each a long-running operation whose event comes before its key changes)
 * announce two new states: the first one's state, first seen after the second event, must not count for the
 * second, or the second's key change would never be picked up.
 * @param history - sightings, oldest first
 * @param events - announced regenerations (any order)
 * @param now - the current time, in ms (events older than {@link regenerationWindowInMs} are ignored)
 * @param clockSkewInMs - tolerance between ARM's event times and our sightings
 */
export function unsatisfiedRegenerations(
  history: readonly KeySighting[],
  events: readonly RegenerateEvent[],
  now: number,
  clockSkewInMs = 0,
): number {
  const recent = events.filter((e) => e.at >= now - regenerationWindowInMs).sort((a, b) => a.at - b.at);
  let next = 0;
  let unsatisfied = 0;
  for (const e of recent) {
    while (next < history.length && (history[next]?.generation ?? 0) < e.at - clockSkewInMs) next++;
    if (next < history.length) next++;
    else unsatisfied++;
  }
  return unsatisfied;
}

/**
 * Adds an announced regeneration (once per event ID), keeping the newest {@link ledgerHistoryLength}.
 * @param events - the resource's announced regenerations
 * @param event - the one to add
 */
export function announceRegeneration(
  events: readonly RegenerateEvent[],
  event: RegenerateEvent,
): RegenerateEvent[] {
  if (events.some((e) => e.id === event.id)) return [...events];
  return [...events, event].sort((a, b) => a.at - b.at).slice(-ledgerHistoryLength);
}

/**
 * Clock difference tolerated between the processes that share a ledger: a new state is only ordered after the
 * newest known one when its read started at least this long after that one's read ended. Function instances'
 * clocks are NTP-synchronised to a few milliseconds; the margin only matters when two different new key states
 * are read within it (two regenerations of one resource in quick succession), and then costs one more read.
 */
export const defaultClockSkewInMs = 100;

/**
 * Pure: what a read's fingerprint means, given the resource's history (oldest first).
 * @param history - the resource's sightings, oldest first
 * @param fingerprint - the fingerprint of the keys just read
 * @param read - when the read started and ended
 * @param clockSkewInMs - see {@link defaultClockSkewInMs}
 */
export function judgeSighting(
  history: readonly KeySighting[],
  fingerprint: string,
  read: ReadSpan,
  clockSkewInMs = defaultClockSkewInMs,
): SightingVerdict {
  const latest = history.at(-1);
  const known = history.find((s) => s.fingerprint === fingerprint);
  if (known) return { kind: 'known', sighting: known, latest: known === latest, unsatisfiedEvents: 0 };
  if (latest && read.startedAt < latest.readEndedAt + clockSkewInMs) return { kind: 'ambiguous' };
  const generation = Math.max(read.endedAt, (latest?.generation ?? 0) + 1);
  return {
    kind: 'new',
    sighting: { fingerprint, generation, readEndedAt: read.endedAt },
    unsatisfiedEvents: 0,
  };
}

/**
 * Pure: {@link judgeSighting}, with the announced regenerations counted against the history as it is after
 * this read (a new state included).
 * @param state - the resource's sightings and announced regenerations
 * @param fingerprint - the fingerprint of the keys just read
 * @param read - when the read started and ended
 * @param options - clock skew between instances, between ARM and us, and the current time
 */
export function judgeWithRegenerations(
  state: { readonly history: readonly KeySighting[]; readonly events: readonly RegenerateEvent[] },
  fingerprint: string,
  read: ReadSpan,
  options: { readonly clockSkewInMs: number; readonly eventClockSkewInMs?: number; readonly now: number },
): SightingVerdict {
  const verdict = judgeSighting(state.history, fingerprint, read, options.clockSkewInMs);
  if (verdict.kind === 'ambiguous' || state.events.length === 0) return verdict;
  const history = verdict.kind === 'new' ? appendSighting(state.history, verdict.sighting) : state.history;
  const unsatisfiedEvents = unsatisfiedRegenerations(
    history,
    state.events,
    options.now,
    options.eventClockSkewInMs,
  );
  return { ...verdict, unsatisfiedEvents };
}

/**
 * Appends a sighting to a history, keeping the newest {@link ledgerHistoryLength}.
 * @param history - oldest first
 * @param sighting - the new newest state
 */
export function appendSighting(history: readonly KeySighting[], sighting: KeySighting): KeySighting[] {
  return [...history, sighting].slice(-ledgerHistoryLength);
}

/** Where key sightings are kept, shared by every process of the service. */
export interface KeyLedger {
  /**
   * Judges a read and, when it saw a new newest state and `record` is true, records it (atomically against
   * other processes: two processes cannot both append).
   * @param resourceKey - lower-cased resource ID
   * @param fingerprint - fingerprint of the keys read
   * @param read - the read's span
   * @param record - false in a dry run: judge only, change nothing
   * @param event - the regeneration this read is for, if any: announced in the ledger (once per event ID), and
   *   the verdict counts the announced regenerations no state seen so far answers
   */
  observe(
    resourceKey: string,
    fingerprint: string,
    read: ReadSpan,
    record: boolean,
    event?: RegenerateEvent,
  ): Promise<SightingVerdict>;
}

/**
 * An in-memory {@link KeyLedger} (unit tests, one process).
 * @param clockSkewInMs - see {@link defaultClockSkewInMs}
 */
export function createMemoryKeyLedger(clockSkewInMs = defaultClockSkewInMs): KeyLedger & {
  history(resourceKey: string): readonly KeySighting[];
} {
  const states = new Map<string, { history: readonly KeySighting[]; events: readonly RegenerateEvent[] }>();
  return {
    history: (k) => states.get(k)?.history ?? [],
    observe(resourceKey, fingerprint, read, record, event) {
      const state = states.get(resourceKey) ?? { history: [], events: [] };
      const events = event ? announceRegeneration(state.events, event) : state.events;
      const verdict = judgeWithRegenerations({ history: state.history, events }, fingerprint, read, {
        clockSkewInMs,
        now: read.endedAt,
      });
      if (record) {
        const history =
          verdict.kind === 'new' ? appendSighting(state.history, verdict.sighting) : state.history;
        states.set(resourceKey, { history, events });
      }
      return Promise.resolve(verdict);
    },
  };
}
