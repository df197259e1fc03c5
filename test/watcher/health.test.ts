import { afterEach, describe, expect, it } from '@jest/globals';

import type { WatcherCounters, WatcherHealth } from '../../watcher/ClusterWatcher.ts';
import type { HealthServer } from '../../watcher/health.ts';
import { renderMetrics, startHealthServer } from '../../watcher/health.ts';

const counters: WatcherCounters = {
  events: { KeyBinding: 3, Secret: 7 },
  ignoredStatusOnly: 2,
  lists: 2,
  watchConnects: 4,
  watchErrors: 1,
  invalidObjects: 0,
  published: 8,
  coalesced: 5,
  publishFailures: 1,
  pending: 0,
};
let health: WatcherHealth = { healthy: true, cluster: 'prod-weu', informers: [], pending: 0 };
let server: HealthServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('health server', () => {
  it('answers /healthz 200 when healthy and 503 when not, and /metrics in the Prometheus text format', async () => {
    server = await startHealthServer({ health: () => health, counters: () => counters }, 0, '127.0.0.1');
    const base = `http://127.0.0.1:${server.port}`;
    const ok = await fetch(`${base}/healthz`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ healthy: true, cluster: 'prod-weu' });
    health = { ...health, healthy: false };
    expect((await fetch(`${base}/healthz`)).status).toBe(503);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('keysync_watcher_events_total{cluster="prod-weu",kind="Secret"} 7');
    expect(metrics).toContain('keysync_watcher_messages_published_total{cluster="prod-weu"} 8');
    expect(metrics).toContain('keysync_watcher_healthy{cluster="prod-weu"} 0');
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/healthz`, { method: 'POST' })).status).toBe(405);
  });

  it('declares a TYPE for every metric', () => {
    const text = renderMetrics(counters, health);
    const names = new Set([...text.matchAll(/^(keysync_\w+)\{/gm)].map((m) => m[1]));
    for (const n of names) expect(text).toContain(`# TYPE ${n} `);
    expect(names.size).toBe(10);
  });
});
