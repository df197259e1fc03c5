import { describe, expect, it } from '@jest/globals';

import type { WatchRetryState } from '../../../shared/watch/watchRetryPolicy.ts';
import {
  defaultWatchRetryPolicy,
  nextWatchRetry,
  watchRetryDelay,
} from '../../../shared/watch/watchRetryPolicy.ts';

const policy = defaultWatchRetryPolicy;
const middle = 0.5; // jitter factor exactly 1

/** Retries of a message that keeps failing, each handled the moment it is delivered. */
function schedule(random: number, handlingInMs = 0): Array<{ attempt: number; at: number }> {
  const t0 = 1_000_000;
  let now = t0;
  let state: WatchRetryState | undefined;
  const retries: Array<{ attempt: number; at: number }> = [];
  for (;;) {
    const d = nextWatchRetry(state, now, policy, { random });
    if (d.kind === 'exhausted') return retries;
    now += d.delayInMs + handlingInMs;
    state = d.next;
    retries.push({ attempt: d.next.attempt, at: now - t0 });
  }
}

describe('watch retry backoff', () => {
  it('doubles from 5 s to a 2-minute cap', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 20].map((a) => watchRetryDelay(a, policy, middle));
    expect(delays).toEqual([5_000, 10_000, 20_000, 40_000, 80_000, 120_000, 120_000, 120_000]);
  });

  it('jitters by at most 20 % and never beyond the cap', () => {
    expect(watchRetryDelay(1, policy, 0)).toBe(4_000);
    expect(watchRetryDelay(1, policy, 0.999_999)).toBe(6_000);
    expect(watchRetryDelay(6, policy, 0)).toBe(96_000);
    expect(watchRetryDelay(6, policy, 0.999_999)).toBe(120_000);
  });

  it('starts the window at the first failure and carries it', () => {
    const d = nextWatchRetry(undefined, 42_000, policy, { random: middle });
    expect(d).toEqual({ kind: 'retry', next: { attempt: 1, firstFailedAt: 42_000 }, delayInMs: 5_000 });
    const d2 = nextWatchRetry({ attempt: 1, firstFailedAt: 42_000 }, 50_000, policy, { random: middle });
    expect(d2).toEqual({ kind: 'retry', next: { attempt: 2, firstFailedAt: 42_000 }, delayInMs: 10_000 });
  });

  it('honours a Retry-After longer than the backoff, up to the cap', () => {
    const d = (retryAfterInMs: number) =>
      nextWatchRetry(undefined, 0, policy, { random: middle, retryAfterInMs });
    expect(d(30_000)).toMatchObject({ delayInMs: 30_000 });
    expect(d(1_000)).toMatchObject({ delayInMs: 5_000 });
    expect(d(3_600_000)).toMatchObject({ delayInMs: 120_000 });
  });

  it('gives up when the next retry would land outside the window, saying how many were made', () => {
    const d = nextWatchRetry({ attempt: 17, firstFailedAt: 0 }, 1_750_000, policy, { random: middle });
    expect(d).toEqual({ kind: 'exhausted', attempts: 17, elapsedInMs: 1_750_000 });
    expect(
      nextWatchRetry({ attempt: 17, firstFailedAt: 0 }, 1_680_000, policy, { random: middle }),
    ).toMatchObject({ kind: 'retry', delayInMs: 120_000 });
  });

  it('rides out a 5-minute outage with room to spare, and stops within 30 minutes', () => {
    for (const random of [0, middle, 0.999_999]) {
      const retries = schedule(random, 2_000);
      const last = retries.at(-1)?.at ?? 0;
      // Service Bus alone: 5 deliveries within seconds. Here: retries keep coming for the whole window.
      expect(retries.filter((r) => r.at > 5 * 60_000).length).toBeGreaterThanOrEqual(10);
      expect(last).toBeLessThanOrEqual(policy.windowInMs);
      expect(last).toBeGreaterThan(policy.windowInMs - 2 * policy.maxDelayInMs);
      // Never two retries further apart than the cap (plus handling): an outage's end is noticed within 2 min.
      for (let i = 1; i < retries.length; i++)
        expect((retries[i]?.at ?? 0) - (retries[i - 1]?.at ?? 0)).toBeLessThanOrEqual(122_000);
    }
    expect(
      schedule(middle)
        .map((r) => r.at / 1000)
        .slice(0, 7),
    ).toEqual([5, 15, 35, 75, 155, 275, 395]);
    expect(schedule(middle)).toHaveLength(18);
  });
});
