import { describe, expect, it } from '@jest/globals';

import type { WatchMessage } from '../../shared/watch/WatchMessage.ts';
import { MemoryQueue } from '../../testkit/memoryQueue.ts';
import { toRetryServiceBusMessage } from '../../shared/watch/watchServiceBusMessage.ts';

const message = (name: string): WatchMessage => ({
  version: 1,
  cluster: 'c',
  kind: 'KeyBinding',
  eventType: 'added',
  namespace: 'ns',
  name,
  resourceVersion: '1',
  observedAt: '2026-11-25T10:00:00Z',
});

describe('MemoryQueue (peek-lock semantics of the Service Bus queue)', () => {
  it('completes a message when the handler resolves', async () => {
    const q = new MemoryQueue();
    await q.publish([message('a'), message('b')]);
    const seen: string[] = [];
    expect(await q.drain((body) => Promise.resolve(void seen.push((body as WatchMessage).name)))).toBe(2);
    expect(seen).toEqual(['a', 'b']);
    expect(q.completed).toBe(2);
    expect(q.idle).toBe(true);
  });

  it('delivers a failing message again and dead-letters it after maxDeliveryCount', async () => {
    const q = new MemoryQueue({ maxDeliveryCount: 3 });
    await q.publish([message('poison')]);
    const counts: number[] = [];
    await q.drain((_b, meta) => {
      counts.push(meta.deliveryCount);
      return Promise.reject(new Error('retryable'));
    });
    expect(counts).toEqual([1, 2, 3]);
    expect(q.deadLetters).toHaveLength(1);
    expect(q.deadLetters[0]?.reason).toBe('MaxDeliveryCountExceeded');
  });

  it('refuses publishes while offline', async () => {
    const q = new MemoryQueue();
    q.setOffline(true);
    await expect(q.publish([message('a')])).rejects.toThrow('offline');
    q.setOffline(false);
    await q.publish([message('a')]);
    expect(q.length).toBe(1);
  });

  it('runs a consumer loop that picks up messages as they arrive and stops cleanly', async () => {
    const q = new MemoryQueue();
    const seen: string[] = [];
    const consumer = q.startConsumer((body) => Promise.resolve(void seen.push((body as WatchMessage).name)));
    await q.publish([message('x')]);
    await new Promise((r) => setTimeout(r, 20));
    await q.publish([message('y')]);
    await new Promise((r) => setTimeout(r, 20));
    await consumer.stop();
    expect(seen).toEqual(['x', 'y']);
  });

  it('holds a scheduled message until its enqueue time, then delivers it with its properties', async () => {
    const q = new MemoryQueue();
    const seen: Array<{ at: number; meta: unknown }> = [];
    const consumer = q.startConsumer((_b, meta) => Promise.resolve(void seen.push({ at: Date.now(), meta })));
    const t0 = Date.now();
    await q.schedule(
      toRetryServiceBusMessage(message('later'), { attempt: 2, firstFailedAt: t0 }),
      new Date(t0 + 150),
    );
    expect(q.idle).toBe(false);
    expect(q.scheduled).toBe(1);
    expect(q.length).toBe(0);
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 200));
    await consumer.stop();
    expect(seen).toHaveLength(1);
    expect(seen[0]?.at).toBeGreaterThanOrEqual(t0 + 150);
    expect(seen[0]?.meta).toMatchObject({
      deliveryCount: 1,
      messageId: expect.stringMatching(/-r2$/) as unknown,
      applicationProperties: { keysyncRetryAttempt: 2, cluster: 'c' },
    });
    expect(q.idle).toBe(true);
  });

  it('refuses scheduled messages while offline', async () => {
    const q = new MemoryQueue();
    q.setOffline(true);
    const copy = toRetryServiceBusMessage(message('a'), { attempt: 1, firstFailedAt: 0 });
    await expect(q.schedule(copy, new Date())).rejects.toThrow('offline');
    expect(q.scheduled).toBe(0);
  });

  it('delivers a message published right after the consumer started (no lost wake-up)', async () => {
    const q = new MemoryQueue();
    const seen: string[] = [];
    const consumer = q.startConsumer((body) => Promise.resolve(void seen.push((body as WatchMessage).name)));
    await q.publish([message('early')]);
    await new Promise((r) => setTimeout(r, 50));
    await consumer.stop();
    expect(seen).toEqual(['early']);
  });
});
