import type { BindingIndex } from '../bindings/BindingIndex.ts';
import type { ClusterConnector } from '../clusters/ClusterConnector.ts';
import type { ClusterStore } from '../clusters/ClusterStore.ts';
import type { SyncDeps } from './syncClusters.ts';

/**
 * What every use-case that reconciles needs (the resync, the ARM event path, the watch path): the sync
 * settings plus the cluster registry, the connector and the binding index. It lives here, below the
 * use-cases, so that none of them takes its dependencies' type from a sibling (see test/layering.test.ts).
 */
export interface EngineDeps extends SyncDeps {
  readonly clusters: ClusterStore;
  readonly connect: ClusterConnector;
  /** Kept current by every resync (rebuilt per cluster by an unfiltered one), read by the event path. */
  readonly index: BindingIndex;
}
