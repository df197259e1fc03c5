import type { KeySyncError } from '../errors.ts';
import type { ClusterRegistration } from './ClusterRegistration.ts';

/** A stored registration that could not be read: skipped by `list()`, named so a report can show it. */
export interface InvalidRegistration {
  /** The stored name (row key), as found. */
  readonly name: string;
  /** Why it was skipped (`InvalidInput`, not retryable): fix or re-register the cluster. */
  readonly error: KeySyncError;
}

/** Every readable registration, sorted by name, plus the stored ones that could not be read. */
export type ClusterList = ClusterRegistration[] & { readonly invalid: readonly InvalidRegistration[] };

/**
 * A {@link ClusterList}.
 * @param registrations - the readable registrations
 * @param invalid - the unreadable ones
 */
export function clusterList(
  registrations: readonly ClusterRegistration[],
  invalid: readonly InvalidRegistration[] = [],
): ClusterList {
  const sorted = [...registrations].sort((a, b) => a.name.localeCompare(b.name));
  return Object.assign(sorted, { invalid: Object.freeze([...invalid]) });
}

/** Where registered clusters are kept (Table storage in production, memory in unit tests). */
export interface ClusterStore {
  /**
   * Every registered cluster, sorted by name. A stored registration that cannot be read is left out of the
   * array (one bad entry must not stop every resync) and listed in `invalid`.
   */
  list(): Promise<ClusterList>;
  /**
   * One cluster, or undefined when it is not registered.
   * @throws ValidationError (`InvalidInput`) when the stored registration cannot be read
   */
  get(name: string): Promise<ClusterRegistration | undefined>;
  /** Registers a cluster or replaces its registration. */
  upsert(registration: ClusterRegistration): Promise<void>;
  /** Removes a registration; true when it existed. */
  remove(name: string): Promise<boolean>;
}

/**
 * An in-memory {@link ClusterStore} for unit tests and one-shot tools.
 * @param initial - registrations to start with
 */
export function createMemoryClusterStore(initial: readonly ClusterRegistration[] = []): ClusterStore {
  const byName = new Map(initial.map((r) => [r.name, r]));
  return {
    list: () => Promise.resolve(clusterList([...byName.values()])),
    get: (name) => Promise.resolve(byName.get(name)),
    upsert: (r) => {
      byName.set(r.name, r);
      return Promise.resolve();
    },
    remove: (name) => Promise.resolve(byName.delete(name)),
  };
}
