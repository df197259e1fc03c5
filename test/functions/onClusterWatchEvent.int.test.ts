/**
 * The Service Bus trigger adapter through @azure/functions test mode, on real parts: poison is completed with
 * a clear log line; retryable failures are retried later through scheduled copies on the queue, with backoff
 * over the retry window, so that a cluster or ARM outage of minutes loses nothing (time compressed 50x:
 * 100 ms doubling to 2.4 s over 36 s stands for 5 s doubling to 2 min over 30 min); they are dead-lettered
 * only when the window is spent, or (delivered again at once) when no retry can be scheduled; and what a
 * reconcile leaves for people to read: status conditions, Kubernetes Events and `kubectl get keybindings -A`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { InvocationContext } from '../../functions/azureFunctions.ts';
import { createWatchEventHandler } from '../../functions/onClusterWatchEvent.ts';
import type { DeliveryMeta } from '../../testkit/memoryQueue.ts';
import { MemoryQueue } from '../../testkit/memoryQueue.ts';
import { renderKubeconfig } from '../../testkit/renderKubeconfig.ts';
import type { Services } from '../../shared/createServices.ts';
import type { WatchMessage } from '../../shared/watch/WatchMessage.ts';
import type { WatchRetryPolicy } from '../../shared/watch/watchRetryPolicy.ts';
import type { EngineHarness } from '../support/engineHarness.ts';
import { startEngineHarness, storageId, subscriptionId } from '../support/engineHarness.ts';
import { startTcpRelay } from '../support/tcpRelay.ts';
import { adminKubeConfig, loadTestStack, testCluster } from '../support/testStack.ts';
import { eventually } from '../support/eventually.ts';
import { setBindingSpec } from '../support/setBindingSpec.ts';

let h: EngineHarness;
let ns: string;
const rg = 'rg-sbtrigger';
const st = storageId(rg, 'stsbtrigger');
const kb = { group: 'keysync.dev', version: 'v1alpha1', plural: 'keybindings' };
const logs: Array<{ level: string; line: string }> = [];
const handler = () => createWatchEventHandler(() => Promise.resolve(h.services));
const context = (messageId: string, deliveryCount = 1) =>
  new InvocationContext({
    functionName: 'onClusterWatchEvent',
    invocationId: `inv-${messageId}`,
    triggerMetadata: { messageId, deliveryCount },
    logHandler: (level, ...args) => logs.push({ level, line: args.map(String).join(' ') }),
  });
const msg = (name: string, over: Partial<WatchMessage> = {}): WatchMessage => ({
  version: 1,
  cluster: 'cluster-a',
  kind: 'KeyBinding',
  eventType: 'added',
  namespace: ns,
  name,
  resourceVersion: '1',
  observedAt: new Date().toISOString(),
  ...over,
});
const logOf = (messageId: string) => logs.filter((l) => l.line.includes(messageId));
/** The production policy compressed 50x: 5 s -> 100 ms, 2 min -> 2.4 s, 30 min -> 36 s. */
const compressed: WatchRetryPolicy = { initialDelayInMs: 100, maxDelayInMs: 2_400, windowInMs: 36_000 };
const local = Object.values(loadTestStack().clusters).every((c) => c.external === undefined);

/** The trigger consuming `queue`, with delayed retries scheduled on it under `policy`. */
function consume(queue: MemoryQueue, policy: WatchRetryPolicy) {
  const services: Services = {
    ...h.services,
    config: { ...h.services.config, watchRetry: policy },
    watchRedelivery: queue,
  };
  const handle = createWatchEventHandler(() => Promise.resolve(services));
  const deliveries: Array<DeliveryMeta & { at: number }> = [];
  const consumer = queue.startConsumer((body, meta) => {
    deliveries.push({ ...meta, at: Date.now() });
    return handle(
      body,
      new InvocationContext({
        functionName: 'onClusterWatchEvent',
        invocationId: `inv-${meta.messageId}-${meta.deliveryCount}`,
        triggerMetadata: { ...meta },
        logHandler: (level, ...args) => logs.push({ level, line: args.map(String).join(' ') }),
      }),
    );
  });
  return { deliveries, stop: () => consumer.stop().finally(() => queue.clearScheduled()) };
}
/** Fields of the JSON log lines that mention `messageId`, at `level`. */
const fieldsOf = (messageId: string, level: string) =>
  logOf(messageId)
    .filter((l) => l.level === level)
    .map((l) => JSON.parse(l.line) as Record<string, unknown>);

interface KeyBindingStatus {
  observedGeneration?: number;
  conditions?: Array<{
    type: string;
    status: string;
    reason: string;
    message: string;
    observedGeneration: number;
  }>;
}
async function statusOf(name: string): Promise<KeyBindingStatus | undefined> {
  const o = (await h.admin['cluster-a'].custom.getNamespacedCustomObject({ ...kb, namespace: ns, name })) as {
    status?: KeyBindingStatus;
  };
  return o.status;
}
async function eventsOf(name: string): Promise<Array<{ type?: string; reason?: string; message?: string }>> {
  const list = await h.admin['cluster-a'].core.listNamespacedEvent({ namespace: ns });
  return list.items.filter((e) => e.involvedObject.name === name && e.involvedObject.kind === 'KeyBinding');
}

beforeAll(async () => {
  h = await startEngineHarness();
  h.sim.addStorageAccount({ subscriptionId, resourceGroup: rg, name: 'stsbtrigger' });
  ns = await h.namespace('sbtrigger');
  await h.registerClusters([
    { namespaces: 'sbtrigger-*', resourceIdPrefix: `/subscriptions/${subscriptionId}/resourceGroups/${rg}` },
  ]);
});

afterAll(async () => {
  await h?.stop();
});

describe('onClusterWatchEvent (Service Bus trigger)', () => {
  it('completes a poison message with one error line naming the message ID and the problem', async () => {
    await expect(handler()('{"version":1,"cluster":', context('poison-1'))).resolves.toBeUndefined();
    await expect(handler()({ ...msg('x'), version: 2 }, context('poison-2'))).resolves.toBeUndefined();
    const [first] = logOf('poison-1');
    expect(first?.level).toBe('error');
    expect(first?.line).toContain('poison watch message completed without effect');
    expect(first?.line).toContain('not valid JSON');
    expect(logOf('poison-2')[0]?.line).toContain('unsupported watch message version 2');
  });

  it('completes a message for an unregistered cluster, logging which cluster', async () => {
    await expect(
      handler()(msg('x', { cluster: 'not-registered' }), context('unregistered')),
    ).resolves.toBeUndefined();
    const line = logOf('unregistered').find((l) => l.level === 'error')?.line ?? '';
    expect(line).toContain('ClusterNotRegistered');
    expect(line).toContain("cluster 'not-registered' is not registered");
  });

  it('without a namespace to schedule on, throws a retryable failure: delivered again at once, then dead-lettered', async () => {
    expect(h.services.watchRedelivery).toBeUndefined();
    await h.services.clusters.upsert({
      name: 'cluster-down',
      kubeconfig: [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{ name: down, cluster: { server: "https://127.0.0.1:1" } }]',
        'users: [{ name: u, user: { token: "t0k3n-not-real" } }]',
        'contexts: [{ name: down, context: { cluster: down, user: u } }]',
        'current-context: down',
      ].join('\n'),
      allow: [],
    });
    const queue = new MemoryQueue({ maxDeliveryCount: 5 });
    await queue.publish([msg('x', { cluster: 'cluster-down' })]);
    const deliveries = await queue.drain((body, meta) =>
      handler()(body, context(meta.messageId, meta.deliveryCount)),
    );
    expect(deliveries).toBe(5);
    expect(queue.deadLetters).toHaveLength(1);
    const lines = logOf(queue.deadLetters[0]?.message.messageId ?? '?').filter((l) => l.level === 'warning');
    expect(lines).toHaveLength(5);
    expect(lines[0]?.line).toContain('ClusterUnreachable');
    expect(lines[0]?.line).toContain('dead-lettered after maxDeliveryCount');
  });

  it('does not complete messages while the app is misconfigured', async () => {
    const broken = createWatchEventHandler(() => Promise.reject(new Error('invalid configuration')));
    await expect(broken(msg('x'), context('misconfigured'))).rejects.toThrow('invalid configuration');
  });

  it('leaves status with observedGeneration and actionable messages, and Events, for every outcome', async () => {
    const admin = h.admin['cluster-a'];
    await h.createBinding('cluster-a', ns, 'ok', {
      resourceId: st,
      secrets: { primaryKey: { name: 'ok', key: 'KEY' }, blobEndpoint: { name: 'ok-fallback', key: 'BLOB' } },
    });
    await h.createBinding('cluster-a', ns, 'outside', {
      resourceId: storageId('rg-elsewhere', 'stother'),
      secrets: { primaryKey: { name: 'outside', key: 'KEY' } },
    });
    await admin.core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'taken' }, stringData: { A: 'b' } },
    });
    await h.createBinding('cluster-a', ns, 'clash', {
      resourceId: st,
      secrets: { primaryKey: { name: 'taken', key: 'KEY' } },
    });
    await h.createBinding('cluster-a', ns, 'missing', {
      resourceId: storageId(rg, 'stdoesnotexist'),
      secrets: { primaryKey: { name: 'missing', key: 'KEY' } },
    });
    for (const name of ['ok', 'outside', 'clash', 'missing'])
      await handler()(msg(name), context(`status-${name}`));
    // A hand edit is restored (updated), a changed mapping drops a Secret (deleted).
    await admin.core.patchNamespacedSecret({
      namespace: ns,
      name: 'ok',
      body: [{ op: 'replace', path: '/data/KEY', value: Buffer.from('edited').toString('base64') }],
    });
    await handler()(
      msg('ok', { kind: 'Secret', eventType: 'modified', owner: 'ok', name: 'ok' }),
      context('edit-ok'),
    );
    await setBindingSpec(admin.custom, ns, 'ok', {
      resourceId: st,
      secrets: { primaryKey: { name: 'ok', key: 'KEY' } },
    });
    await handler()(msg('ok', { eventType: 'modified' }), context('remap-ok'));

    expect(await statusOf('ok')).toMatchObject({
      observedGeneration: 2,
      conditions: [{ type: 'Ready', status: 'True', reason: 'Synced', observedGeneration: 2 }],
    });
    const expected: Array<[string, string, string]> = [
      ['outside', 'NotAuthorized', 'ask the platform team'],
      ['clash', 'SecretNotOwned', 'rename the destination'],
      ['missing', 'ResourceNotFound', 'stdoesnotexist'],
    ];
    for (const [name, reason, hint] of expected) {
      const s = await statusOf(name);
      expect(s?.conditions?.[0]).toMatchObject({ status: 'False', reason, observedGeneration: 1 });
      expect(s?.conditions?.[0]?.message).toContain(hint);
      const warnings = (await eventsOf(name)).filter((e) => e.type === 'Warning');
      expect(warnings.map((e) => e.reason)).toEqual([reason]);
    }
    const okEvents = (await eventsOf('ok')).map((e) => `${e.type}/${e.reason}`).sort();
    expect(okEvents).toEqual(
      ['Normal/SecretCreated', 'Normal/SecretCreated', 'Normal/SecretDeleted', 'Normal/SecretUpdated'].sort(),
    );
    for (const e of await eventsOf('ok'))
      for (const v of h.sim.keyValues()) expect(e.message).not.toContain(v);
  });

  it('shows resource, Ready, reason and last sync in kubectl get keybindings -A', async () => {
    const stack = loadTestStack();
    if (!stack.binariesDir) return;
    const file = join(mkdtempSync(join(tmpdir(), 'kubectl-')), 'kubeconfig');
    writeFileSync(file, adminKubeConfig('cluster-a').exportConfig(), { mode: 0o600 });
    const { stdout } = await promisify(execFile)(join(stack.binariesDir, 'kubectl'), [
      '--kubeconfig',
      file,
      'get',
      'keybindings',
      '-A',
    ]);
    const lines = stdout.split('\n').filter((l) => l.startsWith(ns) || l.startsWith('NAMESPACE'));
    expect(lines[0]).toMatch(/^NAMESPACE\s+NAME\s+RESOURCE\s+READY\s+REASON\s+LAST SYNC\s+AGE/);
    expect(lines.find((l) => /\sok\s/.test(l))).toMatch(
      /storageaccounts\/stsbtrigger\s+True\s+Synced\s+\d+s/,
    );
    expect(lines.find((l) => /\soutside\s/.test(l))).toMatch(/False\s+NotAuthorized/);
  });
});

describe('onClusterWatchEvent: delayed retries (Service Bus scheduled messages, time compressed 50x)', () => {
  const allow = [
    { namespaces: 'sbtrigger-*', resourceIdPrefix: `/subscriptions/${subscriptionId}/resourceGroups/${rg}` },
  ];
  const onLocalStack = local ? it : it.skip;

  beforeAll(async () => {
    // Nothing listens on port 1: every connection is refused.
    await h.services.clusters.upsert({
      name: 'cluster-gone',
      kubeconfig: [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{ name: gone, cluster: { server: "https://127.0.0.1:1" } }]',
        'users: [{ name: u, user: { token: "t0k3n-not-real" } }]',
        'contexts: [{ name: gone, context: { cluster: gone, user: u } }]',
        'current-context: gone',
      ].join('\n'),
      allow: [],
    });
  });

  /** Each retry's logged delay is the policy's backoff, and the copy is not delivered before it. */
  function expectBackoff(messageId: string, deliveries: ReadonlyArray<{ messageId: string; at: number }>) {
    const retries = fieldsOf(messageId, 'warning').filter(
      (f) => f.msg === 'watch message failed; retry scheduled',
    );
    expect(retries.map((f) => f.retryAttempt)).toEqual(retries.map((_f, i) => i + 1));
    for (const [i, f] of retries.entries()) {
      const base = Math.min(compressed.maxDelayInMs, compressed.initialDelayInMs * 2 ** i);
      expect(f.retryInMs).toBeGreaterThanOrEqual(Math.floor(base * 0.8));
      expect(f.retryInMs).toBeLessThanOrEqual(Math.min(compressed.maxDelayInMs, Math.ceil(base * 1.2)));
      const sent = deliveries.find((d) => d.messageId === f.messageId);
      const copy = deliveries.find((d) => d.messageId === f.retryMessageId);
      if (sent && copy) expect(copy.at - sent.at).toBeGreaterThanOrEqual(Number(f.retryInMs) - 5);
    }
    return retries;
  }

  onLocalStack(
    'rides out a 5-minute cluster outage: backs off instead of dead-lettering, and the first sync lands when the cluster is back',
    async () => {
      const b = testCluster('cluster-b');
      const relay = await startTcpRelay(b.server ?? '');
      const queue = new MemoryQueue({ maxDeliveryCount: 5 });
      const run = consume(queue, compressed);
      try {
        await h.services.clusters.upsert({
          name: 'cluster-flaky',
          kubeconfig: renderKubeconfig({
            clusterName: 'cluster-flaky',
            server: relay.url,
            caData: b.caData ?? '',
            userName: 'keysync-service',
            token: b.tokens['keysync-service'] ?? '',
          }),
          allow,
        });
        await h.createBinding('cluster-b', ns, 'flaky', {
          resourceId: st,
          secrets: { primaryKey: { name: 'flaky', key: 'KEY' } },
        });
        relay.setConnected(false);
        await queue.publish([msg('flaky', { cluster: 'cluster-flaky' })]);
        const id = queue.accepted[0]?.messageId ?? '?';
        // 6 s here stand for 5 minutes.
        await new Promise((r) => setTimeout(r, 6_000));
        // Service Bus alone would have delivered it 5 times within a second and dead-lettered it.
        const failed = run.deliveries.length;
        expect(failed).toBeGreaterThan(5);
        expect(run.deliveries.every((d) => d.deliveryCount === 1)).toBe(true);
        expect(queue.deadLetters).toEqual([]);
        expect(relay.refused).toBeGreaterThan(0);
        expect(await h.readSecret('cluster-b', ns, 'flaky')).toBeUndefined();

        relay.setConnected(true);
        const { ms } = await eventually(
          () => h.readSecret('cluster-b', ns, 'flaky'),
          (s) => s?.KEY === h.sim.keysOf(st).key1,
          'the first sync after the outage',
          15_000,
        );
        // The next retry is at most one capped delay away (jitter only shortens it), plus one handling.
        expect(ms).toBeLessThan(compressed.maxDelayInMs + 5_000);
        process.stderr.write(
          `cluster outage of 6 s (5 min at 50x): ${failed} deliveries failed, none dead-lettered; ` +
            `first sync landed ${ms} ms after the link came back\n`,
        );
        await eventually(
          () => Promise.resolve(queue.idle),
          (idle) => idle,
          'the queue to settle',
        );
        expect(queue.deadLetters).toEqual([]);
        const retries = expectBackoff(id, run.deliveries);
        expect(retries.length).toBeGreaterThanOrEqual(5);
        expect(retries.every((f) => f.errorCode === 'ClusterUnreachable')).toBe(true);
        // The last delivery completed: nothing left scheduled, no error line.
        expect(fieldsOf(id, 'error')).toEqual([]);
      } finally {
        await run.stop();
        await relay.close();
      }
    },
    60_000,
  );

  it('rides out an ARM 429 burst the same way', async () => {
    await h.createBinding('cluster-a', ns, 'throttled', {
      resourceId: st,
      secrets: { primaryKey: { name: 'throttled', key: 'KEY' } },
    });
    const fault = h.sim.injectFault({
      match: { resourceId: st, operation: 'listKeys/action' },
      status: 429,
      retryAfterSeconds: 0,
      times: Infinity,
    });
    const queue = new MemoryQueue({ maxDeliveryCount: 5 });
    const run = consume(queue, compressed);
    try {
      await queue.publish([msg('throttled')]);
      const id = queue.accepted[0]?.messageId ?? '?';
      await eventually(
        () => Promise.resolve(run.deliveries.length),
        (n) => n > 6,
        'more deliveries than maxDeliveryCount',
        30_000,
      );
      expect(queue.deadLetters).toEqual([]);
      expect(await h.readSecret('cluster-a', ns, 'throttled')).toBeUndefined();
      fault.remove();
      await eventually(
        () => h.readSecret('cluster-a', ns, 'throttled'),
        (s) => s?.KEY === h.sim.keysOf(st).key1,
        'the sync after the burst',
        15_000,
      );
      await eventually(
        () => Promise.resolve(queue.idle),
        (idle) => idle,
        'the queue to settle',
      );
      expect(queue.deadLetters).toEqual([]);
      const retries = expectBackoff(id, run.deliveries);
      expect(retries.every((f) => f.errorCode === 'ArmThrottled')).toBe(true);
    } finally {
      fault.remove();
      await run.stop();
    }
  }, 60_000);

  it('dead-letters once the retry window is spent, saying so on every last delivery', async () => {
    const queue = new MemoryQueue({ maxDeliveryCount: 5 });
    const run = consume(queue, { initialDelayInMs: 50, maxDelayInMs: 100, windowInMs: 600 });
    try {
      await queue.publish([msg('spent', { cluster: 'cluster-gone' })]);
      const id = queue.accepted[0]?.messageId ?? '?';
      await eventually(
        () => Promise.resolve(queue.deadLetters.length),
        (n) => n === 1,
        'the dead letter',
        30_000,
      );
      const [dead] = queue.deadLetters;
      expect(dead?.reason).toBe('MaxDeliveryCountExceeded');
      expect(dead?.message.deliveryCount).toBe(5);
      const attempts = Number(dead?.message.applicationProperties.keysyncRetryAttempt);
      expect(attempts).toBeGreaterThanOrEqual(3);
      const spent = fieldsOf(id, 'error');
      expect(spent).toHaveLength(5);
      for (const f of spent) {
        expect(f).toMatchObject({ errorCode: 'ClusterUnreachable', retries: attempts });
        expect(f.msg).toContain('retry window is spent; dead-lettered after maxDeliveryCount');
      }
      expect(queue.scheduled).toBe(0);
    } finally {
      await run.stop();
    }
  }, 60_000);

  it('lets the delivery fail when the retry cannot be scheduled, so Service Bus keeps the message', async () => {
    const queue = new MemoryQueue({ maxDeliveryCount: 5 });
    await queue.publish([msg('unscheduled', { cluster: 'cluster-gone' })]);
    queue.setOffline(true);
    const id = queue.accepted[0]?.messageId ?? '?';
    const run = consume(queue, compressed);
    try {
      await eventually(
        () => Promise.resolve(queue.deadLetters.length),
        (n) => n === 1,
        'the dead letter',
        30_000,
      );
      const lines = fieldsOf(id, 'error');
      expect(lines).toHaveLength(5);
      expect(lines[0]).toMatchObject({
        errorCode: 'ClusterUnreachable',
        scheduleErrorMessage: 'memory queue is offline',
      });
      expect(lines[0]?.msg).toContain('could not be scheduled; Service Bus delivers it again at once');
      expect(queue.scheduled).toBe(0);
    } finally {
      await run.stop();
    }
  }, 60_000);
});
