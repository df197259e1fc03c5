import type { BindingRef } from './KeyBinding.ts';

/** One index entry: binding `cluster/namespace/name` binds the resource with lower-cased ID `resourceKey`. */
export interface IndexEntry extends BindingRef {
  readonly resourceKey: string;
}

/**
 * The binding index: lower-cased resource ID -> the bindings that use it, in every cluster. It is a cache: the
 * full resync rebuilds it per cluster and watch events correct it, so losing it loses nothing.
 */
export interface BindingIndex {
  /** Every binding of one resource (one query). */
  lookup(resourceKey: string): Promise<IndexEntry[]>;
  /** Records a binding (moving it when its resource changed). */
  upsert(entry: IndexEntry): Promise<void>;
  /** Forgets a binding. */
  remove(ref: BindingRef): Promise<void>;
  /** Makes the cluster's entries exactly `entries` (after a full read of the cluster). */
  replaceCluster(cluster: string, entries: readonly IndexEntry[]): Promise<void>;
}

/** An in-memory {@link BindingIndex} (unit tests, one-shot tools). */
export function createMemoryBindingIndex(): BindingIndex {
  const byBinding = new Map<string, IndexEntry>();
  const keyOf = (r: BindingRef) => `${r.cluster}/${r.namespace}/${r.name}`;
  return {
    lookup: (resourceKey) =>
      Promise.resolve(
        [...byBinding.values()].filter((e) => e.resourceKey === resourceKey).sort(compareEntries),
      ),
    upsert: (e) => {
      byBinding.set(keyOf(e), e);
      return Promise.resolve();
    },
    remove: (r) => {
      byBinding.delete(keyOf(r));
      return Promise.resolve();
    },
    replaceCluster: (cluster, entries) => {
      for (const [k, e] of byBinding) if (e.cluster === cluster) byBinding.delete(k);
      for (const e of entries) byBinding.set(keyOf(e), e);
      return Promise.resolve();
    },
  };
}

/** Orders entries by cluster, namespace, name. */
export function compareEntries(a: BindingRef, b: BindingRef): number {
  return `${a.cluster}/${a.namespace}/${a.name}`.localeCompare(`${b.cluster}/${b.namespace}/${b.name}`);
}
