import pLimit from 'p-limit';

import { ErrorCode, KeySyncError } from '../errors.ts';
import type { Logger } from '../logging.ts';
import { errorFields } from '../logging.ts';
import { applyToCluster, errorReport } from './applyToCluster.ts';
import type { BindingInput } from './collectDesiredSecrets.ts';
import type { ResourceValues } from './fetchResourceValues.ts';
import { fetchResourceValues } from './fetchResourceValues.ts';
import type { LoadedCluster } from './LoadedCluster.ts';
import type { ClearedBinding, KeyProviderLookup } from './preflightBinding.ts';
import { preflightBinding } from './preflightBinding.ts';
import type { BindingReport, ClusterFailure } from './ResyncReport.ts';
import { toClusterFailure } from './toClusterFailure.ts';

/** What {@link syncClusters} needs. */
export interface SyncDeps {
  readonly providers: KeyProviderLookup;
  readonly logger: Logger;
  /** Clusters written at once. */
  readonly clusterConcurrency: number;
  /** Resources fetched at once (the ARM rate limiter paces them further). */
  readonly resourceConcurrency: number;
  readonly now: () => Date;
}

/** Options for one pass. */
export interface SyncOptions {
  readonly dryRun: boolean;
  /** Resources not to fetch: their bindings get this error instead (e.g. `ResourceDeleted`). */
  readonly resourceErrors?: ReadonlyMap<string, KeySyncError>;
}

/** The outcome of a pass over several clusters. */
export interface SyncResult {
  readonly bindings: BindingReport[];
  readonly clusterFailures: ClusterFailure[];
  readonly resourcesFetched: number;
  /** Errors of the resources whose fetch failed (for callers deciding whether to retry the whole event). */
  readonly resourceErrors: KeySyncError[];
}

/**
 * One reconcile pass over loaded clusters: preflight every binding (no ARM call for rejected ones), fetch each
 * resource's values once across all clusters, then apply per cluster concurrently, each cluster isolated so a
 * slow or failing one delays and breaks nobody else.
 * @param clusters - reachable clusters with the bindings to reconcile
 * @param deps - providers, logger, concurrency, clock
 * @param options - dry run
 */
export async function syncClusters(
  clusters: readonly LoadedCluster[],
  deps: SyncDeps,
  options: SyncOptions,
): Promise<SyncResult> {
  const perCluster = clusters.map((cluster) => ({
    cluster,
    checked: cluster.bindings.map((b) => ({
      binding: b,
      result: preflightBinding(b, cluster.registration.allow, deps.providers),
    })),
  }));
  const cleared = perCluster.flatMap((c) =>
    c.checked.flatMap(({ result }) => ('provider' in result ? [result] : [])),
  );
  const forced = options.resourceErrors ?? new Map<string, KeySyncError>();
  const fetched = await fetchResourceValues(
    cleared.filter((c) => !forced.has(c.resource.key)),
    { concurrency: deps.resourceConcurrency, logger: deps.logger },
  );
  for (const [key, error] of forced) fetched.set(key, { error });

  const limit = pLimit(Math.max(1, deps.clusterConcurrency));
  const clusterFailures: ClusterFailure[] = [];
  const reports = await Promise.all(
    perCluster.map(({ cluster, checked }) =>
      limit(async () => {
        const inputs: BindingInput[] = checked.map(({ binding, result }) =>
          'provider' in result ? inputFor(binding, result, fetched) : { binding, error: result },
        );
        const invalid = cluster.invalid.map((i) =>
          errorReport(
            {
              cluster: cluster.registration.name,
              namespace: i.namespace,
              name: i.name,
              resourceId: i.resourceId,
            },
            i.error,
          ),
        );
        try {
          return [
            ...invalid,
            ...(await applyToCluster(cluster, inputs, {
              dryRun: options.dryRun,
              logger: deps.logger,
              now: deps.now,
            })),
          ];
        } catch (err) {
          const failure = toClusterFailure(cluster.registration.name, err);
          deps.logger.warn({ cluster: failure.cluster, ...errorFields(err) }, 'cluster failed during apply');
          clusterFailures.push(failure);
          return invalid;
        }
      }),
    ),
  );
  const resourceErrors = [...fetched.entries()].flatMap(([key, r]) =>
    'error' in r && !forced.has(key) ? [r.error] : [],
  );
  return {
    bindings: reports.flat(),
    clusterFailures,
    resourcesFetched: fetched.size - forced.size,
    resourceErrors,
  };
}

function inputFor(
  binding: ClearedBinding['binding'],
  cleared: ClearedBinding,
  fetched: ReadonlyMap<string, ResourceValues>,
): BindingInput {
  const r = fetched.get(cleared.resource.key);
  if (!r)
    return {
      binding,
      error: new KeySyncError(ErrorCode.Internal, `no fetch result for ${cleared.resource.id}`),
    };
  return 'values' in r ? { binding, values: r.values } : { binding, error: r.error };
}
