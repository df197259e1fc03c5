/**
 * The Service Bus redelivery at its boundary: what it hands to `ServiceBusSender.scheduleMessages`, with a
 * recording sender; and the real @azure/service-bus client against an endpoint where nothing listens (no
 * broker can run here).
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

import { describe, expect, it } from '@jest/globals';
import type { ServiceBusMessage, ServiceBusSender } from '@azure/service-bus';

import {
  connectServiceBusRedelivery,
  createServiceBusRedelivery,
} from '../../../shared/watch/serviceBusRedelivery.ts';
import type { WatchMessage } from '../../../shared/watch/WatchMessage.ts';
import { watchMessageId } from '../../../shared/watch/WatchMessage.ts';
import { toRetryServiceBusMessage } from '../../../shared/watch/watchServiceBusMessage.ts';

const message: WatchMessage = {
  version: 1,
  cluster: 'prod-weu',
  kind: 'KeyBinding',
  eventType: 'added',
  namespace: 'orders',
  name: 'orders-storage',
  resourceVersion: '7',
  observedAt: '2026-11-25T10:00:00Z',
};

describe('serviceBusRedelivery', () => {
  it('schedules the retry copy for the enqueue time, as one scheduled message', async () => {
    const calls: Array<[ServiceBusMessage | ServiceBusMessage[], Date]> = [];
    const sender: Pick<ServiceBusSender, 'scheduleMessages'> = {
      scheduleMessages: (messages, at) => {
        calls.push([messages, at]);
        return Promise.resolve([]);
      },
    };
    const at = new Date('2026-11-25T10:00:20Z');
    const copy = toRetryServiceBusMessage(message, {
      attempt: 1,
      firstFailedAt: Date.parse('2026-11-25T10:00:15Z'),
    });
    await createServiceBusRedelivery(sender).schedule(copy, at);
    expect(calls).toEqual([
      [
        {
          body: message,
          contentType: 'application/json',
          messageId: `${watchMessageId(message)}-r1`,
          subject: 'KeyBinding',
          applicationProperties: {
            version: 1,
            cluster: 'prod-weu',
            kind: 'KeyBinding',
            keysyncRetryAttempt: 1,
            keysyncFirstFailedAt: '2026-11-25T10:00:15.000Z',
          },
        },
        at,
      ],
    ]);
  });

  it('rejects when the sender fails, so the trigger lets the delivery fail instead of losing it', async () => {
    const sender = { scheduleMessages: () => Promise.reject(new Error('ServiceBusy')) };
    await expect(
      createServiceBusRedelivery(sender).schedule(
        toRetryServiceBusMessage(message, { attempt: 1, firstFailedAt: 0 }),
        new Date(),
      ),
    ).rejects.toThrow('ServiceBusy');
  });

  it('the real client rejects within its bound when the namespace cannot be reached', async () => {
    // A TCP port that accepts and closes at once stands for an unreachable namespace.
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const credential = {
      getToken: () => Promise.resolve({ token: 'not-a-real-token', expiresOnTimestamp: Date.now() + 60_000 }),
    };
    const redelivery = connectServiceBusRedelivery({
      fullyQualifiedNamespace: `127.0.0.1:${port}`,
      queueName: 'cluster-watch',
      credential,
      timeoutInMs: 2_000,
    });
    const t0 = Date.now();
    try {
      await expect(
        redelivery.schedule(
          toRetryServiceBusMessage(message, { attempt: 1, firstFailedAt: t0 }),
          new Date(t0 + 5_000),
        ),
      ).rejects.toBeDefined();
      expect(Date.now() - t0).toBeLessThan(30_000);
    } finally {
      await redelivery.close().catch(() => undefined);
      await new Promise((r) => server.close(r));
    }
  }, 40_000);
});
