/**
 * ClusterWatcher's event handling, driven through real ListWatch informers over scripted lists and watches:
 * what is published and what is not, coalescing, resume and relist, restarts, and a failing queue.
 */
import { afterEach, describe, expect, it } from '@jest/globals';

import type { WatchMessage } from '../../shared/watch/WatchMessage.ts';
import { parseWatchMessage } from '../../shared/watch/WatchMessage.ts';
import { ClusterWatcher } from '../../watcher/ClusterWatcher.ts';
import { MemoryQueue } from '../../testkit/memoryQueue.ts';
import { bindingMeta, fakeInformers, secretMeta, until } from './fakeInformers.ts';

let watcher: ClusterWatcher | undefined;
afterEach(async () => {
  await watcher?.stop({ flushTimeoutInMs: 100 });
  watcher = undefined;
});

function setUp(options: { coalesceMs?: number } = {}) {
  const { factory, sources } = fakeInformers();
  const queue = new MemoryQueue();
  watcher = new ClusterWatcher({
    cluster: 'cluster-x',
    informers: factory,
    publisher: queue,
    coalesceMs: options.coalesceMs ?? 10,
    publishRetry: { initialMs: 20, maxMs: 40 },
    restartBackoff: { initialMs: 20, maxMs: 40 },
  });
  const sent = () => queue.accepted.map((m) => parseWatchMessage(m.body));
  const about = (name: string) => sent().filter((m) => m.name === name);
  return { w: watcher, sources, queue, sent, about };
}

const brief = (m: WatchMessage) => `${m.kind}:${m.name}:${m.eventType}:${m.resourceVersion}`;

describe('ClusterWatcher', () => {
  it('publishes every listed object once it has synced, with identifiers only', async () => {
    const { w, sources, sent } = setUp();
    sources.KeyBinding.items = [bindingMeta('orders-storage', '10', 2)];
    sources.Secret.items = [secretMeta('orders-storage', '11')];
    expect(w.health().healthy).toBe(false);
    await w.start();
    await w.waitUntilSynced(2_000);
    await until(() => sent().length === 2, 'two messages');
    expect(w.health()).toMatchObject({ healthy: true, cluster: 'cluster-x', pending: 0 });
    const [kb, s] = [...sent()].sort((a, b) => a.kind.localeCompare(b.kind));
    expect(kb).toMatchObject({
      version: 1,
      cluster: 'cluster-x',
      kind: 'KeyBinding',
      eventType: 'added',
      namespace: 'orders',
      name: 'orders-storage',
      uid: 'uid-orders-storage',
      resourceVersion: '10',
      generation: 2,
    });
    expect(s).toMatchObject({ kind: 'Secret', owner: 'orders-storage', resourceVersion: '11' });
    expect(Object.keys(s ?? {}).sort()).toEqual(
      [
        'cluster',
        'eventType',
        'kind',
        'name',
        'namespace',
        'observedAt',
        'owner',
        'resourceVersion',
        'uid',
        'version',
      ].sort(),
    );
  });

  it('ignores KeyBinding updates that change no spec (our own status writes) and publishes spec changes and deletions', async () => {
    const { w, sources, about } = setUp();
    sources.KeyBinding.items = [bindingMeta('b1', '10', 1)];
    await w.start();
    await until(() => about('b1').length === 1, 'initial message');
    sources.KeyBinding.watch.emit('MODIFIED', bindingMeta('b1', '11', 1)); // status only
    sources.KeyBinding.watch.emit('MODIFIED', bindingMeta('b1', '12', 1));
    await new Promise((r) => setTimeout(r, 50));
    expect(about('b1')).toHaveLength(1);
    expect(w.counters().ignoredStatusOnly).toBe(2);
    sources.KeyBinding.watch.emit('MODIFIED', bindingMeta('b1', '13', 2)); // spec changed
    await until(() => about('b1').length === 2, 'spec change');
    sources.KeyBinding.watch.emit('DELETED', bindingMeta('b1', '14', 2));
    await until(() => about('b1').length === 3, 'deletion');
    expect(about('b1').map(brief)).toEqual([
      'KeyBinding:b1:added:10',
      'KeyBinding:b1:modified:13',
      'KeyBinding:b1:deleted:14',
    ]);
    // Deleted and re-created with the same generation is a new object: published.
    sources.KeyBinding.watch.emit('ADDED', bindingMeta('b1', '15', 1, 'uid-new'));
    await until(() => about('b1').length === 4, 're-creation');
  });

  it('coalesces a burst of events on one object into one message carrying the newest state', async () => {
    const { w, sources, about } = setUp({ coalesceMs: 150 });
    await w.start();
    for (let rv = 20; rv < 30; rv++) sources.Secret.watch.emit('MODIFIED', secretMeta('s1', String(rv)));
    sources.Secret.watch.emit('MODIFIED', secretMeta('s2', '31'));
    await until(() => about('s1').length === 1 && about('s2').length === 1, 'one message per Secret');
    await new Promise((r) => setTimeout(r, 200));
    expect(about('s1').map(brief)).toEqual(['Secret:s1:added:29']);
    expect(w.counters()).toMatchObject({ coalesced: 9, published: 2 });
  });

  it('resumes a dropped watch from the last resourceVersion, and relists on 410 Gone reporting what vanished', async () => {
    const { w, sources, about } = setUp();
    sources.KeyBinding.items = [bindingMeta('keep', '5'), bindingMeta('gone', '6')];
    sources.KeyBinding.resourceVersion = '6';
    await w.start();
    await until(() => about('gone').length === 1, 'initial list');
    const watch = sources.KeyBinding.watch;
    watch.emit('BOOKMARK', { metadata: { resourceVersion: '40' } });
    watch.end(null); // the apiserver closed the watch (timeoutSeconds)
    await until(() => watch.requests.length === 2, 'resumed watch');
    expect(watch.requests[1]?.resourceVersion).toBe('40');
    expect(sources.KeyBinding.listCalls).toBe(1);

    // While disconnected 'gone' was deleted and 'new' created; the resume point is too old.
    sources.KeyBinding.items = [bindingMeta('keep', '5'), bindingMeta('new', '50')];
    sources.KeyBinding.resourceVersion = '51';
    watch.emit('ERROR', {
      kind: 'Status',
      code: 410,
      reason: 'Expired',
      message: 'too old resource version',
    });
    watch.end(null);
    await until(() => about('gone').length === 2 && about('new').length === 1, 'relist results');
    expect(sources.KeyBinding.listCalls).toBe(2);
    expect(about('gone')[1]?.eventType).toBe('deleted');
    expect(about('new')[0]?.eventType).toBe('added');
    expect(about('keep')).toHaveLength(1); // unchanged objects are not published again
    expect(w.counters().lists).toBe(3); // KeyBinding twice, Secret once
  });

  it('restarts a failed informer with backoff and reports it unhealthy only while it keeps failing', async () => {
    const { w, sources } = setUp();
    sources.Secret.listError = Object.assign(new Error('secrets is forbidden'), { statusCode: 403 });
    await w.start();
    await until(() => sources.Secret.listCalls >= 3, 'restarts');
    const h = w.health();
    expect(h.healthy).toBe(false);
    expect(h.informers.find((i) => i.kind === 'Secret')).toMatchObject({
      synced: false,
      lastError: 'secrets is forbidden',
    });
    expect(w.counters().watchErrors).toBeGreaterThanOrEqual(2);
    sources.Secret.listError = undefined;
    await w.waitUntilSynced(2_000);
    expect(w.health().healthy).toBe(true);
    // A watch that fails (e.g. connection reset) resumes after backoff from where it was.
    const watch = sources.Secret.watch;
    const [requests, lists] = [watch.requests.length, sources.Secret.listCalls];
    watch.end(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    await until(() => watch.requests.length === requests + 1, 'restart after a watch failure');
    expect(sources.Secret.listCalls).toBe(lists); // resumed, not relisted
    expect(watch.requests.at(-1)?.resourceVersion).toBe(sources.Secret.resourceVersion);
  });

  it('keeps the latest state of every object while the queue is unreachable and catches up once it recovers', async () => {
    const { w, sources, queue, about } = setUp();
    await w.start();
    await w.waitUntilSynced(2_000);
    queue.setOffline(true);
    sources.Secret.watch.emit('ADDED', secretMeta('a', '100'));
    sources.Secret.watch.emit('MODIFIED', secretMeta('a', '101'));
    sources.KeyBinding.watch.emit('ADDED', bindingMeta('b', '102'));
    await until(() => w.counters().publishFailures >= 2, 'failed publishes');
    sources.Secret.watch.emit('MODIFIED', secretMeta('a', '103'));
    sources.Secret.watch.emit('ADDED', secretMeta('c', '104'));
    sources.Secret.watch.emit('DELETED', secretMeta('c', '105'));
    expect(queue.accepted).toHaveLength(0);
    expect(w.counters().pending).toBe(3);
    expect(w.health()).toMatchObject({ healthy: true, pending: 3 });
    expect(w.health().publishFailingSince).toBeDefined();
    queue.setOffline(false);
    await until(() => queue.accepted.length === 3, 'catch-up', 3_000);
    expect(about('a').map(brief)).toEqual(['Secret:a:added:103']);
    expect(about('b').map(brief)).toEqual(['KeyBinding:b:added:102']);
    expect(about('c').map(brief)).toEqual(['Secret:c:deleted:105']);
    expect(w.counters().pending).toBe(0);
    expect(w.health().publishFailingSince).toBeUndefined();
  });

  it('flushes what is waiting when stopped, within the bound', async () => {
    const { w, sources, queue } = setUp({ coalesceMs: 60_000 });
    await w.start();
    sources.Secret.watch.emit('ADDED', secretMeta('late', '7'));
    expect(queue.accepted).toHaveLength(0);
    expect(await w.stop({ flushTimeoutInMs: 1_000 })).toBe(true);
    expect(queue.accepted).toHaveLength(1);
    expect(w.health().healthy).toBe(false);
    watcher = undefined;
  });
});
