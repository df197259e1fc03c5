/**
 * The delayed-retry use-case with the in-process queue as the redelivery (scheduled messages held until due).
 */
import { afterEach, describe, expect, it } from '@jest/globals';

import { MemoryQueue } from '../../../testkit/memoryQueue.ts';
import { ErrorCode, KeySyncError } from '../../../shared/errors.ts';
import { retryWatchMessage } from '../../../shared/watch/retryWatchMessage.ts';
import type { WatchMessage } from '../../../shared/watch/WatchMessage.ts';
import { watchMessageId } from '../../../shared/watch/WatchMessage.ts';
import { defaultWatchRetryPolicy } from '../../../shared/watch/watchRetryPolicy.ts';

const message: WatchMessage = {
  version: 1,
  cluster: 'c',
  kind: 'KeyBinding',
  eventType: 'added',
  namespace: 'ns',
  name: 'b',
  resourceVersion: '1',
  observedAt: '2026-11-25T10:00:00Z',
};
const unreachable = new KeySyncError(ErrorCode.ClusterUnreachable, 'cluster c unreachable', {
  retryable: true,
});
const t0 = Date.parse('2026-11-25T10:00:01Z');
let queue: MemoryQueue;
afterEach(() => queue.clearScheduled());

const deps = (now: number, redelivery: MemoryQueue | undefined = queue) => ({
  redelivery,
  policy: defaultWatchRetryPolicy,
  now: () => now,
  random: () => 0.5,
});

describe('retryWatchMessage', () => {
  it('schedules a copy for after the backoff, carrying the attempt and the time of the first failure', async () => {
    queue = new MemoryQueue();
    const outcome = await retryWatchMessage(deps(t0), JSON.parse(JSON.stringify(message)), {}, unreachable);
    expect(outcome).toEqual({
      kind: 'scheduled',
      attempt: 1,
      delayInMs: 5_000,
      enqueueAt: new Date(t0 + 5_000),
      messageId: `${watchMessageId(message)}-r1`,
    });
    expect(queue.scheduled).toBe(1);
    expect(queue.length).toBe(0);
    const [copy] = queue.accepted;
    expect(copy?.scheduledEnqueueTime).toEqual(new Date(t0 + 5_000));
    expect(copy?.body).toEqual(message);
    expect(copy?.applicationProperties).toMatchObject({
      keysyncRetryAttempt: 1,
      keysyncFirstFailedAt: '2026-11-25T10:00:01.000Z',
    });

    // The copy fails again 6 s later: the next delay doubles, the window still counts from t0.
    const again = await retryWatchMessage(
      deps(t0 + 6_000),
      copy?.body,
      { applicationProperties: copy?.applicationProperties },
      unreachable,
    );
    expect(again).toMatchObject({ kind: 'scheduled', attempt: 2, delayInMs: 10_000 });
    expect(queue.accepted[1]?.applicationProperties).toMatchObject({
      keysyncRetryAttempt: 2,
      keysyncFirstFailedAt: '2026-11-25T10:00:01.000Z',
    });
  });

  it("waits at least as long as ARM's Retry-After", async () => {
    queue = new MemoryQueue();
    const throttled = new KeySyncError(ErrorCode.ArmThrottled, 'throttled', {
      retryable: true,
      retryAfterInMs: 45_000,
    });
    expect(await retryWatchMessage(deps(t0), message, {}, throttled)).toMatchObject({ delayInMs: 45_000 });
  });

  it('schedules nothing once the window is spent', async () => {
    queue = new MemoryQueue();
    const properties = { keysyncRetryAttempt: 18, keysyncFirstFailedAt: new Date(t0).toISOString() };
    const outcome = await retryWatchMessage(
      deps(t0 + 1_750_000),
      message,
      { applicationProperties: properties },
      unreachable,
    );
    expect(outcome).toEqual({ kind: 'exhausted', attempts: 18, elapsedInMs: 1_750_000 });
    expect(queue.accepted).toHaveLength(0);
  });

  it('reports when there is nothing to schedule with', async () => {
    queue = new MemoryQueue();
    expect(await retryWatchMessage({ ...deps(t0), redelivery: undefined }, message, {}, unreachable)).toEqual(
      {
        kind: 'unavailable',
      },
    );
  });

  it('rejects when the queue does not accept the copy', async () => {
    queue = new MemoryQueue();
    queue.setOffline(true);
    await expect(retryWatchMessage(deps(t0), message, {}, unreachable)).rejects.toThrow('offline');
  });
});
