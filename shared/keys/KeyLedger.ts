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
  | { readonly kind: 'known'; readonly sighting: KeySighting; readonly latest: boolean }
  /** A state never seen, read after every known state was read: it is the newest, record it. */
  | { readonly kind: 'new'; readonly sighting: KeySighting }
  /**
   * A state never seen, read by a read that overlapped the read that first saw the newest known state: which of
   * the two ARM served later cannot be told, so the caller must read again (a read starting now is later than
   * both).
   */
  | { readonly kind: 'ambiguous' };

/** How many key states are remembered per resource (older ones are forgotten, so seen as new again). */
export const ledgerHistoryLength = 16;

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
  if (known) return { kind: 'known', sighting: known, latest: known === latest };
  if (latest && read.startedAt < latest.readEndedAt + clockSkewInMs) return { kind: 'ambiguous' };
  const generation = Math.max(read.endedAt, (latest?.generation ?? 0) + 1);
  return { kind: 'new', sighting: { fingerprint, generation, readEndedAt: read.endedAt } };
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
   */
  observe(
    resourceKey: string,
    fingerprint: string,
    read: ReadSpan,
    record: boolean,
  ): Promise<SightingVerdict>;
}

/**
 * An in-memory {@link KeyLedger} (unit tests, one process).
 * @param clockSkewInMs - see {@link defaultClockSkewInMs}
 */
export function createMemoryKeyLedger(clockSkewInMs = defaultClockSkewInMs): KeyLedger & {
  history(resourceKey: string): readonly KeySighting[];
} {
  const histories = new Map<string, readonly KeySighting[]>();
  return {
    history: (k) => histories.get(k) ?? [],
    observe(resourceKey, fingerprint, read, record) {
      const history = histories.get(resourceKey) ?? [];
      const verdict = judgeSighting(history, fingerprint, read, clockSkewInMs);
      if (verdict.kind === 'new' && record)
        histories.set(resourceKey, appendSighting(history, verdict.sighting));
      return Promise.resolve(verdict);
    },
  };
}
