/**
 * The Service Bus trigger adapter through @azure/functions test mode, on real parts: poison is completed with
 * a clear log line, retryable failures are thrown (and, through the queue's peek-lock semantics, delivered
 * again, then dead-lettered after maxDeliveryCount), and what a reconcile leaves for people to read: status
 * conditions, Kubernetes Events and `kubectl get keybindings -A`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { InvocationContext } from '../../functions/azureFunctions.ts';
import { createWatchEventHandler } from '../../functions/onClusterWatchEvent.ts';
import type { WatchMessage } from '../../shared/watch/WatchMessage.ts';
import { MemoryQueue } from '../../watcher/memoryQueue.ts';
import type { EngineHarness } from '../support/engineHarness.ts';
import { startEngineHarness, storageId, subscriptionId } from '../support/engineHarness.ts';
import { adminKubeConfig, loadTestStack } from '../support/testStack.ts';
import { setBindingSpec } from '../support/watchPath.ts';

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

  it('throws on a retryable failure; the queue delivers again, then dead-letters after maxDeliveryCount', async () => {
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
