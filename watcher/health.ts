import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { WatcherCounters, WatcherHealth } from './ClusterWatcher.ts';

/** What the health server reports on. */
export interface HealthSource {
  health(): WatcherHealth;
  counters(): WatcherCounters;
}

/** A running health server. */
export interface HealthServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves `GET /healthz` (200 with the health JSON when healthy, else 503; used by the readiness and liveness
 * probes) and `GET /metrics` (the counters in the Prometheus text format). Nothing else, no request bodies.
 * @param source - the watcher
 * @param port - TCP port (0 = any free one)
 * @param host - bind address; all interfaces by default (the kubelet probes the pod IP)
 */
export async function startHealthServer(
  source: HealthSource,
  port: number,
  host?: string,
): Promise<HealthServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end();
    } else if (path === '/healthz') {
      const health = source.health();
      res
        .writeHead(health.healthy ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify(health));
    } else if (path === '/metrics') {
      res
        .writeHead(200, { 'content-type': 'text/plain; version=0.0.4' })
        .end(renderMetrics(source.counters(), source.health()));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The counters in the Prometheus text exposition format.
 * @param c - counters
 * @param h - health (for the gauges)
 */
export function renderMetrics(c: WatcherCounters, h: WatcherHealth): string {
  const cluster = `cluster="${h.cluster}"`;
  const lines: string[] = [];
  const metric = (
    name: string,
    type: 'counter' | 'gauge',
    help: string,
    samples: Array<[string, number]>,
  ) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples)
      lines.push(`${name}{${[cluster, labels].filter(Boolean).join(',')}} ${value}`);
  };
  metric('keysync_watcher_events_total', 'counter', 'Informer events received.', [
    ['kind="KeyBinding"', c.events.KeyBinding],
    ['kind="Secret"', c.events.Secret],
  ]);
  metric(
    'keysync_watcher_ignored_status_updates_total',
    'counter',
    'KeyBinding updates without a spec change.',
    [['', c.ignoredStatusOnly]],
  );
  metric('keysync_watcher_coalesced_events_total', 'counter', 'Events folded into a waiting message.', [
    ['', c.coalesced],
  ]);
  metric('keysync_watcher_messages_published_total', 'counter', 'Messages accepted by the queue.', [
    ['', c.published],
  ]);
  metric('keysync_watcher_publish_failures_total', 'counter', 'Failed publish attempts.', [
    ['', c.publishFailures],
  ]);
  metric('keysync_watcher_lists_total', 'counter', 'Successful lists (first sync and relists).', [
    ['', c.lists],
  ]);
  metric('keysync_watcher_watch_connects_total', 'counter', 'Watch requests accepted.', [
    ['', c.watchConnects],
  ]);
  metric('keysync_watcher_watch_errors_total', 'counter', 'Informer failures (restarted with backoff).', [
    ['', c.watchErrors],
  ]);
  metric('keysync_watcher_pending_messages', 'gauge', 'Messages waiting to be published.', [['', c.pending]]);
  metric('keysync_watcher_healthy', 'gauge', '1 when /healthz answers 200.', [['', h.healthy ? 1 : 0]]);
  return lines.join('\n') + '\n';
}
