/**
 * The Service Bus publisher at its boundary: how it batches, with a fake sender (the messages it builds are
 * tested in test/shared/watch/watchServiceBusMessage.test.ts); and the real @azure/service-bus client
 * against an endpoint where nothing listens (no broker can run here).
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

import { describe, expect, it } from '@jest/globals';
import type { ServiceBusMessage, ServiceBusMessageBatch } from '@azure/service-bus';

import type { WatchMessage } from '../../shared/watch/WatchMessage.ts';
import { connectServiceBusPublisher, createServiceBusPublisher } from '../../watcher/serviceBusPublisher.ts';

const message = (name: string): WatchMessage => ({
  version: 1,
  cluster: 'prod-weu',
  kind: 'Secret',
  eventType: 'modified',
  namespace: 'orders',
  name,
  resourceVersion: '42',
  owner: 'orders-storage',
  observedAt: '2026-11-25T10:00:00Z',
});

/** A sender whose batches hold `perBatch` messages. */
function fakeSender(perBatch: number, failOnSend?: number) {
  const sent: ServiceBusMessage[][] = [];
  let sends = 0;
  let closed = false;
  const sender = {
    createMessageBatch: () => {
      const items: ServiceBusMessage[] = [];
      const batch = {
        get count() {
          return items.length;
        },
        sizeInBytes: 0,
        maxSizeInBytes: 1024,
        tryAddMessage: (m: ServiceBusMessage) => (items.length < perBatch ? (items.push(m), true) : false),
        items,
      };
      return Promise.resolve(batch as unknown as ServiceBusMessageBatch);
    },
    sendMessages: (batch: unknown) => {
      sends += 1;
      if (sends === failOnSend) return Promise.reject(new Error('ServiceBusy'));
      sent.push([...(batch as { items: ServiceBusMessage[] }).items]);
      return Promise.resolve();
    },
    close: () => {
      closed = true;
      return Promise.resolve();
    },
  };
  return { sender, sent, closed: () => closed };
}

describe('serviceBusPublisher', () => {
  it('packs messages into as few batches as the size limit allows, in order', async () => {
    const { sender, sent, closed } = fakeSender(2);
    const p = createServiceBusPublisher(sender);
    await p.publish(['a', 'b', 'c', 'd', 'e'].map(message));
    expect(sent.map((b) => b.map((m) => (m.body as WatchMessage).name))).toEqual([
      ['a', 'b'],
      ['c', 'd'],
      ['e'],
    ]);
    await p.close();
    expect(closed()).toBe(true);
  });

  it('rejects when a batch fails, so the watcher keeps the messages', async () => {
    const { sender } = fakeSender(2, 2);
    await expect(createServiceBusPublisher(sender).publish(['a', 'b', 'c'].map(message))).rejects.toThrow(
      'ServiceBusy',
    );
  });

  it('the real client rejects within its bound when the namespace cannot be reached', async () => {
    // A TCP port that accepts and closes at once stands for an unreachable namespace (no broker can run here).
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const credential = {
      getToken: () => Promise.resolve({ token: 'not-a-real-token', expiresOnTimestamp: Date.now() + 60_000 }),
    };
    const publisher = connectServiceBusPublisher({
      fullyQualifiedNamespace: `127.0.0.1:${port}`,
      queueName: 'cluster-watch',
      credential,
      timeoutInMs: 2_000,
    });
    const t0 = Date.now();
    try {
      await expect(publisher.publish([message('a')])).rejects.toBeDefined();
      expect(Date.now() - t0).toBeLessThan(30_000);
    } finally {
      await publisher.close().catch(() => undefined);
      await new Promise((r) => server.close(r));
    }
  }, 40_000);
});
