import { describe, expect, it } from '@jest/globals';
import {
  SubscriptionRateLimiter,
  type RateLimiterClock,
} from '../../../shared/arm/SubscriptionRateLimiter.ts';

/** A manual clock: time moves only through advance(); sleepers wake when their time has come. */
function manualClock() {
  let now = 0;
  const sleepers: { until: number; wake: () => void; fail: (e: Error) => void }[] = [];
  const clock: RateLimiterClock & { advance(ms: number): Promise<void>; sleeping(): number } = {
    now: () => now,
    sleep: (ms, signal) =>
      new Promise<void>((wake, fail) => {
        const sleeper = { until: now + ms, wake, fail };
        sleepers.push(sleeper);
        signal?.addEventListener('abort', () => {
          sleepers.splice(sleepers.indexOf(sleeper), 1);
          fail(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
        });
      }),
    async advance(ms) {
      now += ms;
      for (const s of sleepers.filter((x) => x.until <= now)) {
        sleepers.splice(sleepers.indexOf(s), 1);
        s.wake();
      }
      await new Promise((r) => setImmediate(r));
    },
    sleeping: () => sleepers.length,
  };
  return clock;
}

/** Starts acquire() and reports whether it has resolved. */
function track(p: Promise<void>) {
  const state = { done: false, error: undefined as unknown };
  p.then(
    () => (state.done = true),
    (e: unknown) => (state.error = e),
  );
  return state;
}

const flush = () => new Promise((r) => setImmediate(r));

describe('SubscriptionRateLimiter', () => {
  it('grants the burst at once, then one token per refill interval, first come first served', async () => {
    const clock = manualClock();
    const limiter = new SubscriptionRateLimiter({ burst: 2, refillPerSecond: 10, clock });
    await limiter.acquire('sub');
    await limiter.acquire('sub');
    const third = track(limiter.acquire('sub'));
    const fourth = track(limiter.acquire('sub'));
    await flush();
    expect([third.done, fourth.done]).toEqual([false, false]);
    await clock.advance(99);
    expect(third.done).toBe(false);
    await clock.advance(1);
    expect([third.done, fourth.done]).toEqual([true, false]);
    await clock.advance(100);
    expect(fourth.done).toBe(true);
  });

  it('keeps one bucket per subscription, case-insensitively', async () => {
    const clock = manualClock();
    const limiter = new SubscriptionRateLimiter({ burst: 1, refillPerSecond: 1, clock });
    await limiter.acquire('SUB-A');
    const sameSub = track(limiter.acquire('sub-a'));
    await limiter.acquire('sub-b');
    await flush();
    expect(sameSub.done).toBe(false);
    expect(limiter.available('sub-b')).toBe(0);
    await clock.advance(1000);
    expect(sameSub.done).toBe(true);
  });

  it('refills up to the burst only', async () => {
    const clock = manualClock();
    const limiter = new SubscriptionRateLimiter({ burst: 3, refillPerSecond: 10, clock });
    await limiter.acquire('s');
    await clock.advance(60_000);
    expect(limiter.available('s')).toBe(3);
  });

  it('gives the token back when a waiting caller aborts', async () => {
    const clock = manualClock();
    const limiter = new SubscriptionRateLimiter({ burst: 1, refillPerSecond: 1, clock });
    await limiter.acquire('s');
    const controller = new AbortController();
    const waiting = track(limiter.acquire('s', controller.signal));
    await flush();
    expect(limiter.available('s')).toBe(-1);
    controller.abort(new Error('cancelled'));
    await flush();
    expect((waiting.error as Error).message).toBe('cancelled');
    expect(limiter.available('s')).toBe(0);
  });

  it('rejects at once for an already aborted signal', async () => {
    const limiter = new SubscriptionRateLimiter({ clock: manualClock() });
    const controller = new AbortController();
    controller.abort();
    await expect(limiter.acquire('s', controller.signal)).rejects.toBeDefined();
    expect(limiter.available('s')).toBe(200);
  });

  it("defaults to ARM's write bucket: 200 burst, 10/s", async () => {
    const clock = manualClock();
    const limiter = new SubscriptionRateLimiter({ clock });
    for (let i = 0; i < 200; i++) await limiter.acquire('s');
    const next = track(limiter.acquire('s'));
    await flush();
    expect(next.done).toBe(false);
    await clock.advance(100);
    expect(next.done).toBe(true);
  });

  it('works with the system clock', async () => {
    const limiter = new SubscriptionRateLimiter({ burst: 1, refillPerSecond: 20 });
    await limiter.acquire('s');
    const started = Date.now();
    await limiter.acquire('s');
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
  });

  it('keeps a reserve of the burst unspent (jitter headroom)', async () => {
    const clock = manualClock();
    const limiter = new SubscriptionRateLimiter({ burst: 5, refillPerSecond: 10, reserve: 2, clock });
    for (let i = 0; i < 3; i++) await limiter.acquire('s');
    const next = track(limiter.acquire('s'));
    await flush();
    expect(next.done).toBe(false);
    await clock.advance(100);
    expect(next.done).toBe(true);
    expect(() => new SubscriptionRateLimiter({ burst: 2, reserve: 2 })).toThrow(RangeError);
  });

  it('validates its options', () => {
    expect(() => new SubscriptionRateLimiter({ burst: 0 })).toThrow(RangeError);
    expect(() => new SubscriptionRateLimiter({ refillPerSecond: 0 })).toThrow(RangeError);
  });
});
