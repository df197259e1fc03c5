/**
 * Counts requests as the kube-apiserver itself counts them (`apiserver_request_total` on `/metrics`, read as
 * admin), so write counts come from the server and not from the engine's report. Unlike a watch, this also
 * sees writes that changed nothing (a PUT of identical data is counted here but bumps no resourceVersion).
 */
import { request } from 'node:https';

import type { BenchCluster } from './startBenchEnvironment.ts';

/** Request counts keyed `<resource>[/<subresource>] <VERB>`, e.g. `secrets PUT`, `keybindings/status PATCH`. */
export type RequestCounts = ReadonlyMap<string, number>;

/**
 * Reads a cluster's request counters.
 * @param cluster - the cluster (admin token and CA)
 * @param timeoutInMs - bound of the request
 * @throws Error when `/metrics` cannot be read
 */
export async function readRequestCounts(cluster: BenchCluster, timeoutInMs = 10_000): Promise<RequestCounts> {
  const text = await new Promise<string>((resolve, reject) => {
    const req = request(
      new URL('/metrics', cluster.server),
      {
        ca: cluster.caPem,
        headers: { authorization: `Bearer ${cluster.adminToken}` },
        timeout: timeoutInMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(Buffer.concat(chunks).toString('utf8'))
            : reject(new Error(`${cluster.name}: /metrics answered ${res.statusCode}`)),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${cluster.name}: /metrics timed out`)));
    req.on('error', reject);
    req.end();
  });
  return parseRequestCounts(text);
}

/**
 * Sums `apiserver_request_total` over response codes and scopes, per resource, subresource and verb.
 * @param metrics - Prometheus text exposition
 */
export function parseRequestCounts(metrics: string): RequestCounts {
  const out = new Map<string, number>();
  for (const line of metrics.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const close = line.lastIndexOf('}');
    const labels = new Map([...line.slice(0, close).matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const value = Number(line.slice(close + 1).trim());
    const resource = labels.get('resource');
    if (!resource || !Number.isFinite(value)) continue;
    const sub = labels.get('subresource');
    const key = `${resource}${sub ? `/${sub}` : ''} ${labels.get('verb') ?? '?'}`;
    out.set(key, (out.get(key) ?? 0) + value);
  }
  return out;
}

/**
 * Requests made between two readings, summed over several clusters.
 * @param pairs - per cluster, the counts before and after
 */
export function requestsBetween(
  pairs: ReadonlyArray<readonly [RequestCounts, RequestCounts]>,
): RequestCounts {
  const out = new Map<string, number>();
  for (const [before, after] of pairs) {
    for (const [key, value] of after) {
      const delta = value - (before.get(key) ?? 0);
      if (delta > 0) out.set(key, (out.get(key) ?? 0) + delta);
    }
  }
  return out;
}

/**
 * Snapshots every cluster's counters; the returned function reads them again and gives the difference.
 * @param clusters - the clusters
 */
export async function countRequests(
  clusters: readonly BenchCluster[],
): Promise<() => Promise<RequestCounts>> {
  const before = await Promise.all(clusters.map((c) => readRequestCounts(c)));
  return async () => {
    const after = await Promise.all(clusters.map((c) => readRequestCounts(c)));
    return requestsBetween(before.map((b, i) => [b, after[i] ?? new Map()] as const));
  };
}

/**
 * The number of requests of some verbs on one resource.
 * @param counts - from {@link countRequests}
 * @param resource - e.g. `secrets`, `keybindings/status`
 * @param verbs - e.g. `['POST', 'PUT', 'PATCH', 'DELETE']`
 */
export function requestsOf(counts: RequestCounts, resource: string, verbs: readonly string[]): number {
  return verbs.reduce((sum, v) => sum + (counts.get(`${resource} ${v}`) ?? 0), 0);
}

/** Verbs that write. */
export const writeVerbs = ['POST', 'PUT', 'PATCH', 'DELETE', 'APPLY'] as const;
