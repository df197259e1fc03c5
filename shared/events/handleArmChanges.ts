import pLimit from 'p-limit';

import type { IndexEntry } from '../bindings/BindingIndex.ts';
import { ErrorCode, KeySyncError } from '../errors.ts';
import type { KeyFingerprintStore } from '../keys/KeyFingerprintStore.ts';
import { trackKeyFingerprints } from '../keys/trackKeyFingerprints.ts';
import { errorFields } from '../logging.ts';
import type { LoadedCluster } from '../reconcile/LoadedCluster.ts';
import { loadCluster } from '../reconcile/loadCluster.ts';
import type { BindingReport, ClusterFailure } from '../reconcile/ResyncReport.ts';
import { syncClusters } from '../reconcile/syncClusters.ts';
import { toClusterFailure } from '../reconcile/toClusterFailure.ts';
import type { ResyncDeps } from '../resync/runResync.ts';
import type { ArmChange } from './ArmChange.ts';

/** What the ARM event path needs beyond a resync's dependencies. */
export interface ArmEventDeps extends ResyncDeps {
  readonly fingerprints: KeyFingerprintStore;
  /** Waits between stale reads after a regeneration (default about 15 s in all). */
  readonly staleRetryDelaysInMs?: readonly number[];
  /** Clock skew tolerated between ARM event times and ours (default 0, see trackKeyFingerprints). */
  readonly clockSkewInMs?: number;
}

/** The outcome of handling changes. */
export interface ArmEventOutcome {
  readonly bindings: readonly BindingReport[];
  readonly clusterFailures: readonly ClusterFailure[];
  /** ARM key fetches made: one per affected resource. */
  readonly resourcesFetched: number;
  /** Failures worth a redelivery (unreachable cluster, throttling, stale keys). */
  readonly retryable: readonly KeySyncError[];
}

/**
 * The rotation pickup: for each changed resource, finds its bindings in the index (one query), re-reads them
 * from their clusters (the cluster is the truth), fetches the resource's keys once, and applies the Secrets
 * to every cluster concurrently, each isolated. A deleted resource is not fetched: its bindings go Ready=False
 * `ResourceDeleted` and their Secrets stay until the binding is deleted. Duplicate, late and reordered events
 * converge: an unchanged Secret is never written.
 * @param deps - engine dependencies, index and fingerprint store
 * @param changes - classified events (several may name one resource)
 */
export async function handleArmChanges(
  deps: ArmEventDeps,
  changes: readonly ArmChange[],
): Promise<ArmEventOutcome> {
  const byResource = mergeChanges(changes);
  const entries = (await Promise.all([...byResource.keys()].map((k) => deps.index.lookup(k)))).flat();
  const regeneratedAt = new Map<string, Date>();
  const resourceErrors = new Map<string, KeySyncError>();
  for (const [key, c] of byResource) {
    if (c.kind === 'keys') regeneratedAt.set(key, c.eventTime);
    if (c.kind === 'delete') {
      resourceErrors.set(
        key,
        new KeySyncError(
          ErrorCode.ResourceDeleted,
          `${c.resource.id} was deleted (event ${c.eventId}); its Secrets stay until the KeyBinding is deleted`,
          {
            details: { resourceId: c.resource.id },
          },
        ),
      );
    }
  }
  deps.logger.info(
    { events: changes.length, resources: byResource.size, bindings: entries.length },
    'ARM changes received',
  );
  if (entries.length === 0) return { bindings: [], clusterFailures: [], resourcesFetched: 0, retryable: [] };

  const { loaded, failures } = await loadIndexedClusters(deps, entries);
  const providers = trackKeyFingerprints(deps.providers, {
    store: deps.fingerprints,
    now: deps.now,
    regeneratedAt,
    ...(deps.staleRetryDelaysInMs ? { staleRetryDelaysInMs: deps.staleRetryDelaysInMs } : {}),
    ...(deps.clockSkewInMs !== undefined ? { clockSkewInMs: deps.clockSkewInMs } : {}),
  });
  const result = await syncClusters(loaded, { ...deps, providers }, { dryRun: false, resourceErrors });
  const clusterFailures = [...failures, ...result.clusterFailures];
  const retryable = [
    ...result.resourceErrors.filter((e) => e.retryable),
    ...clusterFailures
      .filter((f) => f.retryable)
      .map((f) => new KeySyncError(f.reason, f.message, { retryable: true })),
  ];
  return { bindings: result.bindings, clusterFailures, resourcesFetched: result.resourcesFetched, retryable };
}

/** One change per resource: a delete wins over a key change over a write; the latest key event's time counts. */
function mergeChanges(changes: readonly ArmChange[]): Map<string, ArmChange> {
  const rank = { write: 0, keys: 1, delete: 2 } as const;
  const out = new Map<string, ArmChange>();
  for (const c of changes) {
    const seen = out.get(c.resource.key);
    if (!seen || rank[c.kind] > rank[seen.kind] || (c.kind === seen.kind && c.eventTime > seen.eventTime)) {
      out.set(c.resource.key, c);
    }
  }
  return out;
}

/** Loads the indexed bindings, cluster by cluster, concurrently; an unregistered cluster means a stale index. */
async function loadIndexedClusters(deps: ArmEventDeps, entries: readonly IndexEntry[]) {
  const names = new Map<string, Set<string>>();
  for (const e of entries)
    names.set(e.cluster, (names.get(e.cluster) ?? new Set()).add(`${e.namespace}/${e.name}`));
  const limit = pLimit(Math.max(1, deps.clusterConcurrency));
  const loaded: LoadedCluster[] = [];
  const failures: ClusterFailure[] = [];
  await Promise.all(
    [...names].map(([cluster, wanted]) =>
      limit(async () => {
        const registration = await deps.clusters.get(cluster);
        if (!registration) {
          deps.logger.warn(
            { cluster, bindings: wanted.size },
            'index names an unregistered cluster; skipped',
          );
          return;
        }
        try {
          const cluster = await loadCluster(registration, deps.connect, { names: wanted });
          loaded.push(cluster);
          await forgetMissing(deps, cluster, wanted);
        } catch (err) {
          deps.logger.warn({ cluster, ...errorFields(err) }, 'cluster could not be read');
          failures.push(toClusterFailure(cluster, err));
        }
      }),
    ),
  );
  return { loaded, failures };
}

/** Index entries whose binding no longer exists are removed (the index is a cache; the cluster is the truth). */
async function forgetMissing(
  deps: ArmEventDeps,
  cluster: LoadedCluster,
  wanted: ReadonlySet<string>,
): Promise<void> {
  const found = new Set([...cluster.bindings, ...cluster.invalid].map((b) => `${b.namespace}/${b.name}`));
  for (const nsName of wanted) {
    if (found.has(nsName)) continue;
    const [namespace = '', name = ''] = nsName.split('/');
    await deps.index.remove({ cluster: cluster.registration.name, namespace, name }).catch((err: unknown) => {
      deps.logger.warn(
        { cluster: cluster.registration.name, namespace, name, ...errorFields(err) },
        'stale index entry not removed',
      );
    });
  }
}
