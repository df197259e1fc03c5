import { indexEntriesOf } from '../bindings/indexEntriesOf.ts';
import { ErrorCode, ValidationError } from '../errors.ts';
import { errorFields } from '../logging.ts';
import type { LoadedCluster } from '../reconcile/LoadedCluster.ts';
import { loadCluster } from '../reconcile/loadCluster.ts';
import type { ResyncReport } from '../reconcile/SyncReport.ts';
import { countActions } from '../reconcile/SyncReport.ts';
import type { EngineDeps } from '../reconcile/EngineDeps.ts';
import type { ClusterSource } from '../reconcile/syncClusters.ts';
import { syncClusters } from '../reconcile/syncClusters.ts';
import { toClusterFailure } from '../reconcile/toClusterFailure.ts';

/** A resync request: every filter is optional; all given filters must match. */
export interface ResyncRequest {
  readonly cluster?: string | undefined;
  readonly namespace?: string | undefined;
  readonly resourceId?: string | undefined;
  /** Report what would happen without writing Secrets, status or Events. */
  readonly dryRun?: boolean | undefined;
}

/**
 * The manual (and scheduled) resync use-case: reads the bindings of every registered cluster that matches
 * the filters, and reconciles them. One unreachable cluster is reported and does not stop the others.
 * @param deps - cluster registry, connector, providers and settings
 * @param request - filters and dry run
 * @returns a report per binding; never contains key material
 * @throws ValidationError (`ClusterNotRegistered`) when a cluster filter names no registered cluster
 */
export async function runResync(deps: EngineDeps, request: ResyncRequest): Promise<ResyncReport> {
  const started = Date.now();
  const startedAt = deps.now().toISOString();
  const dryRun = request.dryRun === true;
  const all = await deps.clusters.list();
  const selected = request.cluster ? all.filter((c) => c.name === request.cluster) : all;
  // A stored registration that cannot be read is reported as that cluster's failure; the others go on.
  const unreadable = all.invalid
    .filter((bad) => !request.cluster || bad.name === request.cluster)
    .map((bad) => toClusterFailure(bad.name, bad.error));
  if (request.cluster && selected.length === 0 && unreadable.length === 0) {
    throw new ValidationError(
      ErrorCode.ClusterNotRegistered,
      `cluster '${request.cluster}' is not registered; registered clusters: ${all.map((c) => c.name).join(', ') || 'none'}`,
    );
  }

  // The index is a cache: it is brought up to date while the clusters are synced, not before.
  const indexUpdates: Promise<void>[] = [];
  const sources: ClusterSource[] = selected.map((registration) => ({
    name: registration.name,
    load: async () => {
      const cluster = await loadCluster(registration, deps.connect, {
        namespace: request.namespace,
        resourceId: request.resourceId,
      });
      if (!dryRun) indexUpdates.push(updateIndex(deps, cluster, !request.namespace && !request.resourceId));
      return cluster;
    },
  }));
  const result = await syncClusters(sources, deps, { dryRun });
  await Promise.all(indexUpdates);
  const bindings = [...result.bindings].sort((a, b) =>
    `${a.cluster}/${a.namespace}/${a.binding}`.localeCompare(`${b.cluster}/${b.namespace}/${b.binding}`),
  );
  const clusterFailures = [...unreadable, ...result.clusterFailures].sort((a, b) =>
    a.cluster.localeCompare(b.cluster),
  );
  const report: ResyncReport = {
    dryRun,
    startedAt,
    durationInMs: Date.now() - started,
    bindings,
    clusterFailures,
    totals: countActions(bindings),
    resourcesFetched: result.resourcesFetched,
  };
  deps.logger.info(
    {
      dryRun,
      clusters: selected.length,
      clusterFailures: clusterFailures.length,
      bindings: bindings.length,
      resourcesFetched: result.resourcesFetched,
      ...report.totals,
    },
    'resync finished',
  );
  return report;
}

/** The index is a cache: a failure to update it is logged, never fatal (the next resync rebuilds it). */
async function updateIndex(deps: EngineDeps, cluster: LoadedCluster, complete: boolean): Promise<void> {
  const entries = indexEntriesOf(cluster.bindings);
  try {
    if (complete) await deps.index.replaceCluster(cluster.registration.name, entries);
    else for (const e of entries) await deps.index.upsert(e);
  } catch (err) {
    deps.logger.warn(
      { cluster: cluster.registration.name, entries: entries.length, ...errorFields(err) },
      'binding index not updated',
    );
  }
}
