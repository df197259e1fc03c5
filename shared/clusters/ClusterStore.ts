import type { ClusterRegistration } from './ClusterRegistration.ts';

/** Where registered clusters are kept (Table storage in production, memory in unit tests). */
export interface ClusterStore {
  /** Every registered cluster, sorted by name. */
  list(): Promise<ClusterRegistration[]>;
  /** One cluster, or undefined when it is not registered. */
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
    list: () => Promise.resolve([...byName.values()].sort((a, b) => a.name.localeCompare(b.name))),
    get: (name) => Promise.resolve(byName.get(name)),
    upsert: (r) => {
      byName.set(r.name, r);
      return Promise.resolve();
    },
    remove: (name) => Promise.resolve(byName.delete(name)),
  };
}
