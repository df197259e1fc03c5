/**
 * When a watch message that failed for a passing reason is tried again. Service Bus has no delayed redelivery:
 * an abandoned message comes back at once and is dead-lettered after the queue's `maxDeliveryCount` (5), so
 * five failures in a few seconds would lose the hint. Instead the trigger schedules a copy of the message for
 * later (a Service Bus scheduled message) with these delays, and gives up only when the retry window is spent.
 */

/** Settings of the delayed retries (from `shared/config.ts`). */
export interface WatchRetryPolicy {
  /** Delay before the first retry; doubled for each further one. */
  readonly initialDelayInMs: number;
  /** Cap of one delay. */
  readonly maxDelayInMs: number;
  /** Retries stop when the next one would land later than this after the first failure. */
  readonly windowInMs: number;
}

/** 5 s doubling to 2 min, for 30 min: a 5-minute outage is ridden out with 25 minutes to spare. */
export const defaultWatchRetryPolicy: WatchRetryPolicy = Object.freeze({
  initialDelayInMs: 5_000,
  maxDelayInMs: 120_000,
  windowInMs: 1_800_000,
});

/** Where a message is in its retries (carried in the scheduled copy's application properties). */
export interface WatchRetryState {
  /** How many retries were scheduled before this delivery (0: the watcher's own message). */
  readonly attempt: number;
  /** When the message first failed (epoch ms). */
  readonly firstFailedAt: number;
}

/** What to do after a retryable failure. */
export type WatchRetryDecision =
  | {
      readonly kind: 'retry';
      /** The retry's number (1 for the first) and its state, to carry in the scheduled copy. */
      readonly next: WatchRetryState;
      readonly delayInMs: number;
    }
  | {
      readonly kind: 'exhausted';
      /** Retries made before giving up. */
      readonly attempts: number;
      /** Time since the first failure. */
      readonly elapsedInMs: number;
    };

/**
 * The delay before retry number `attempt` (1-based): `initialDelayInMs * 2^(attempt-1)`, capped, with +/-20 %
 * jitter so that messages which failed together (a cluster outage fails every message of that cluster) do
 * not all come back in the same second.
 * @param attempt - the retry's number, 1 for the first
 * @param policy - the settings
 * @param random - a number in [0, 1) (tests fix it)
 */
export function watchRetryDelay(attempt: number, policy: WatchRetryPolicy, random = Math.random()): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const base = Math.min(policy.maxDelayInMs, policy.initialDelayInMs * 2 ** exponent);
  return Math.min(policy.maxDelayInMs, Math.round(base * (0.8 + 0.4 * random)));
}

/**
 * Decides whether a failed delivery is tried again, and when.
 * @param previous - the state the delivered message carried; undefined for a first failure
 * @param now - epoch ms
 * @param policy - the settings
 * @param options - `retryAfterInMs`: how long the failing service asked us to wait (ARM 429 `Retry-After`),
 *   honoured up to `maxDelayInMs`; `random` for the jitter
 * @returns `retry` with the delay and the state to carry, or `exhausted` when the next retry would land
 *   outside the window
 */
export function nextWatchRetry(
  previous: WatchRetryState | undefined,
  now: number,
  policy: WatchRetryPolicy,
  options: { readonly retryAfterInMs?: number | undefined; readonly random?: number } = {},
): WatchRetryDecision {
  const firstFailedAt = previous?.firstFailedAt ?? now;
  const attempt = (previous?.attempt ?? 0) + 1;
  const elapsedInMs = Math.max(0, now - firstFailedAt);
  const backoff = watchRetryDelay(attempt, policy, options.random);
  const delayInMs = Math.min(policy.maxDelayInMs, Math.max(backoff, options.retryAfterInMs ?? 0));
  if (elapsedInMs + delayInMs > policy.windowInMs) {
    return { kind: 'exhausted', attempts: attempt - 1, elapsedInMs };
  }
  return { kind: 'retry', next: { attempt, firstFailedAt }, delayInMs };
}
