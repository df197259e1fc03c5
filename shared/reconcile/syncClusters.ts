import pLimit from 'p-limit';

import { bindingLabel } from '../bindings/KeyBinding.ts';
import { ErrorCode, KeySyncError } from '../errors.ts';
import type { KeyLedger, RegenerateEvent } from '../keys/KeyLedger.ts';
import type { Logger } from '../logging.ts';
import { errorFields } from '../logging.ts';
import { applyToCluster, errorReport } from './applyToCluster.ts';
import type { BindingInput } from './collectDesiredSecrets.ts';
import type { ResourceFetcher, ResourceFetcherOptions, ResourceValues } from './createResourceFetcher.ts';
import { createResourceFetcher } from './createResourceFetcher.ts';
import type { LoadedCluster } from './LoadedCluster.ts';
import type { KeyProviderLookup } from '../keys/KeyProvider.ts';
import type { ClearedBinding } from './preflightBinding.ts';
import { preflightBinding } from './preflightBinding.ts';
import type { BindingReport, ClusterFailure } from './SyncReport.ts';
import { toClusterFailure } from './toClusterFailure.ts';

/** What {@link syncClusters} needs. */
export interface SyncDeps {
  readonly providers: KeyProviderLookup;
  /** Orders key states across every process (monotonic writes, stale reads). */
  readonly ledger: KeyLedger;
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
  /** Resources a regenerate event named, with the event's time (see createResourceFetcher). */
  readonly regeneratedAt?: ReadonlyMap<string, RegenerateEvent>;
  /** Waits between reads of stale keys. */
  readonly staleRetryDelaysInMs?: readonly number[];
  /** Clock skew tolerated between ARM event times and ours. */
  readonly eventClockSkewInMs?: number;
}

/** One cluster of a pass: loaded when the pass gets to it, so a slow cluster delays nobody else. */
export interface ClusterSource {
  readonly name: string;
  /** Connects and reads the bindings to reconcile; throws when the cluster cannot be reached or read. */
  load(): Promise<LoadedCluster>;
}

/** The outcome of a pass over several clusters. */
export interface SyncResult {
  readonly bindings: BindingReport[];
  readonly clusterFailures: ClusterFailure[];
  /** ARM fetches made (one per resource, however many bindings and clusters). */
  readonly resourcesFetched: number;
}

/**
 * One reconcile pass over several clusters. Each cluster runs its own pipeline (load, preflight every binding
 * with no ARM call for rejected ones, get the values of its resources, apply), concurrently and isolated: a
 * black-holed or failing cluster costs the others nothing, and each resource is still fetched once per pass
 * for all clusters (the fetcher shares fetches). Never throws for one cluster's or one binding's failure.
 * @param clusters - the clusters, each loaded when its turn comes
 * @param deps - providers, ledger, logger, concurrency, clock
 * @param options - dry run, forced resource errors, regenerate events
 */
export async function syncClusters(
  clusters: readonly ClusterSource[],
  deps: SyncDeps,
  options: SyncOptions,
): Promise<SyncResult> {
  const fetcherOptions: ResourceFetcherOptions = {
    ledger: deps.ledger,
    logger: deps.logger,
    concurrency: deps.resourceConcurrency,
    record: !options.dryRun,
    now: () => deps.now().getTime(),
    ...(options.regeneratedAt ? { regeneratedAt: options.regeneratedAt } : {}),
    ...(options.staleRetryDelaysInMs ? { staleRetryDelaysInMs: options.staleRetryDelaysInMs } : {}),
    ...(options.eventClockSkewInMs !== undefined ? { eventClockSkewInMs: options.eventClockSkewInMs } : {}),
  };
  const fetcher = createResourceFetcher(fetcherOptions);
  const limit = pLimit(Math.max(1, deps.clusterConcurrency));
  const clusterFailures: ClusterFailure[] = [];
  const reports = await Promise.all(
    clusters.map((source) =>
      limit(async () => {
        try {
          return await syncOne(await source.load(), fetcher, deps, options);
        } catch (err) {
          const failure = toClusterFailure(source.name, err);
          deps.logger.warn({ cluster: source.name, ...errorFields(err) }, 'cluster failed');
          clusterFailures.push(failure);
          return [];
        }
      }),
    ),
  );
  return {
    bindings: reports.flat(),
    clusterFailures: clusterFailures.sort((a, b) => a.cluster.localeCompare(b.cluster)),
    resourcesFetched: fetcher.fetches,
  };
}

/**
 * A source for a cluster already loaded (the watch path reads its one binding itself).
 * @param cluster - the loaded cluster
 */
export function loadedSource(cluster: LoadedCluster): ClusterSource {
  return { name: cluster.registration.name, load: () => Promise.resolve(cluster) };
}

async function syncOne(
  cluster: LoadedCluster,
  fetcher: ResourceFetcher,
  deps: SyncDeps,
  options: SyncOptions,
): Promise<BindingReport[]> {
  const checked = cluster.bindings.map((binding) => ({
    binding,
    result: preflightBinding(binding, cluster.registration.allow, deps.providers),
  }));
  const cleared = checked.flatMap(({ result }) => ('provider' in result ? [result] : []));
  const forced = options.resourceErrors ?? new Map<string, KeySyncError>();
  const fetched = await fetchForCluster(cleared, forced, fetcher);
  const inputs: BindingInput[] = checked.map(({ binding, result }) =>
    'provider' in result ? inputFor(result, fetched.get(result.resource.key)) : { binding, error: result },
  );
  const invalid = cluster.invalid.map((i) =>
    errorReport(
      { cluster: cluster.registration.name, namespace: i.namespace, name: i.name, resourceId: i.resourceId },
      i.error,
    ),
  );
  const applied = await applyToCluster(cluster, inputs, {
    dryRun: options.dryRun,
    logger: deps.logger,
    now: deps.now,
  });
  return [...invalid, ...applied.map((report) => withStaleness(report, cleared, fetched))];
}

/**
 * A binding written with the newest keys ARM gives while a regeneration announced by an event has not shown yet
 * is retryable (the redelivery waits for that regeneration), whatever its writes did.
 */
function withStaleness(
  report: BindingReport,
  cleared: readonly ClearedBinding[],
  fetched: ReadonlyMap<string, ResourceValues>,
): BindingReport {
  const c = cleared.find(
    (x) => x.binding.namespace === report.namespace && x.binding.name === report.binding,
  );
  const r = c ? fetched.get(c.resource.key) : undefined;
  if (!r || !('staleness' in r) || !r.staleness || report.retryable) return report;
  return {
    ...report,
    retryable: true,
    reason: report.reason ?? r.staleness.code,
    message: report.message ?? r.staleness.message,
  };
}

/** The values of every resource this cluster's bindings use, each asked for with the union of their names. */
async function fetchForCluster(
  cleared: readonly ClearedBinding[],
  forced: ReadonlyMap<string, KeySyncError>,
  fetcher: ResourceFetcher,
): Promise<Map<string, ResourceValues>> {
  const groups = new Map<string, { first: ClearedBinding; wanted: Set<string> }>();
  for (const c of cleared) {
    const g = groups.get(c.resource.key) ?? { first: c, wanted: new Set<string>() };
    for (const w of c.wanted) g.wanted.add(w);
    groups.set(c.resource.key, g);
  }
  const out = new Map<string, ResourceValues>();
  await Promise.all(
    [...groups].map(async ([key, { first, wanted }]) => {
      const error = forced.get(key);
      out.set(key, error ? { error } : await fetcher.get(first.resource, first.provider, wanted));
    }),
  );
  return out;
}

/** A binding's input: its resource's values, unless the resource, or a value only this binding asks for, failed. */
function inputFor(cleared: ClearedBinding, r: ResourceValues | undefined): BindingInput {
  const { binding } = cleared;
  if (!r) {
    return {
      binding,
      error: new KeySyncError(ErrorCode.Internal, `no fetch result for ${cleared.resource.id}`, {
        retryable: true,
      }),
    };
  }
  if ('error' in r) return { binding, error: r.error };
  const missing = cleared.wanted.flatMap((name) => {
    const e = r.unavailable.get(name);
    return e ? [{ name, e }] : [];
  });
  const [firstMissing] = missing;
  if (firstMissing) {
    const { e } = firstMissing;
    return {
      binding,
      error: new KeySyncError(
        e.code,
        `KeyBinding ${bindingLabel(binding)} asks for ${missing.map((m) => `'${m.name}'`).join(', ')}: ${e.message}`,
        { retryable: e.retryable, cause: e, details: { ...e.details, binding: bindingLabel(binding) } },
      ),
    };
  }
  return { binding, values: r.values, ...(r.keys ? { keys: r.keys } : {}) };
}
