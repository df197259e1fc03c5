import type { IndexEntry } from '../bindings/BindingIndex.ts';
import { ErrorCode, KeySyncError } from '../errors.ts';
import { errorFields } from '../logging.ts';
import type { RegenerateEvent } from '../keys/KeyLedger.ts';
import type { LoadedCluster } from '../reconcile/LoadedCluster.ts';
import { loadCluster } from '../reconcile/loadCluster.ts';
import type { BindingReport, ClusterFailure, PassOutcome } from '../reconcile/SyncReport.ts';
import { retryableFailures } from '../reconcile/SyncReport.ts';
import type { ClusterSource } from '../reconcile/syncClusters.ts';
import { syncClusters } from '../reconcile/syncClusters.ts';
import type { EngineDeps } from '../reconcile/EngineDeps.ts';
import type { ArmChange } from './ArmChange.ts';

/** What the ARM event path needs beyond the engine's dependencies. */
export interface ArmEventDeps extends EngineDeps {
  /** Waits between stale reads after a regeneration (default about 15 s in all). */
  readonly staleRetryDelaysInMs?: readonly number[];
  /** Clock skew tolerated between ARM event times and ours (default 0, see ADR 0005). */
  readonly clockSkewInMs?: number;
}

/** The outcome of handling changes. */
export interface ArmEventOutcome extends PassOutcome {
  readonly bindings: readonly BindingReport[];
  readonly clusterFailures: readonly ClusterFailure[];
  /** ARM key fetches made: one per affected resource. */
  readonly resourcesFetched: number;
  /** Failures worth a redelivery (see retryableFailures): empty when every Secret is as it should be. */
  readonly retryable: readonly KeySyncError[];
}

/**
 * The rotation pickup: for each changed resource, finds its bindings in the index (one query), re-reads them
 * from their clusters (the cluster is the truth), fetches the resource's keys once, and applies the Secrets
 * to every cluster as soon as that cluster is read, each isolated. A deleted resource is not fetched: its
 * bindings go Ready=False `ResourceDeleted` and their Secrets stay until the binding is deleted. Duplicate,
 * late and reordered events converge: an unchanged Secret is never written, and a Secret never goes back to
 * older keys. Any retryable failure (a cluster, a resource, one Secret's write) is in `retryable`, so the
 * adapter has the event delivered again.
 * @param deps - engine dependencies, index and key ledger
 * @param changes - classified events (several may name one resource)
 */
export async function handleArmChanges(
  deps: ArmEventDeps,
  changes: readonly ArmChange[],
): Promise<ArmEventOutcome> {
  const byResource = mergeChanges(changes);
  const entries = (await Promise.all([...byResource.keys()].map((k) => deps.index.lookup(k)))).flat();
  const regeneratedAt = new Map<string, RegenerateEvent>();
  const resourceErrors = new Map<string, KeySyncError>();
  for (const [key, c] of byResource) {
    if (c.kind === 'keys') regeneratedAt.set(key, { id: c.eventId, at: c.eventTime.getTime() });
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

  const result = await syncClusters(await indexedSources(deps, entries), deps, {
    dryRun: false,
    resourceErrors,
    regeneratedAt,
    ...(deps.staleRetryDelaysInMs ? { staleRetryDelaysInMs: deps.staleRetryDelaysInMs } : {}),
    ...(deps.clockSkewInMs !== undefined ? { eventClockSkewInMs: deps.clockSkewInMs } : {}),
  });
  return { ...result, retryable: retryableFailures(result) };
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

/**
 * One source per cluster the entries name, each loading just those bindings. An unregistered cluster means a
 * stale index entry: skipped with a log line (the next resync rebuilds the index).
 */
async function indexedSources(deps: ArmEventDeps, entries: readonly IndexEntry[]): Promise<ClusterSource[]> {
  const names = new Map<string, Set<string>>();
  for (const e of entries)
    names.set(e.cluster, (names.get(e.cluster) ?? new Set()).add(`${e.namespace}/${e.name}`));
  const sources = await Promise.all(
    [...names].map(async ([cluster, wanted]): Promise<ClusterSource | undefined> => {
      const registration = await deps.clusters.get(cluster);
      if (!registration) {
        deps.logger.warn({ cluster, bindings: wanted.size }, 'index names an unregistered cluster; skipped');
        return undefined;
      }
      return {
        name: cluster,
        load: async () => {
          const loaded = await loadCluster(registration, deps.connect, { names: wanted });
          await forgetMissing(deps, loaded, wanted);
          return loaded;
        },
      };
    }),
  );
  return sources.filter((s): s is ClusterSource => s !== undefined);
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
