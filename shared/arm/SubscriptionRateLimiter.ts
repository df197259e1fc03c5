/**
 * Client-side budget for ARM writes. ARM throttles writes (every POST, listKeys included) per principal per
 * subscription with a token bucket of 200 and a refill of 10/s; the engine takes a token here before every
 * listKeys so a full resync stays inside that budget instead of provoking 429s.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** Time source, injectable for tests. */
export interface RateLimiterClock {
  /** Current time in ms. */
  now(): number;
  /**
   * Resolves after `ms` milliseconds.
   * @throws the signal's reason when `abortSignal` fires first
   */
  sleep(ms: number, abortSignal?: AbortSignal): Promise<void>;
}

/** Options of {@link SubscriptionRateLimiter}. */
export interface SubscriptionRateLimiterOptions {
  /** Bucket size (burst). Default 200, ARM's write bucket. */
  burst?: number;
  /** Tokens added per second. Default 10, ARM's write refill. */
  refillPerSecond?: number;
  /**
   * Tokens of the server's bucket this client never spends. Default 0. Pacing at exactly ARM's refill rate
   * leaves ARM's bucket empty, so any jitter in arrival times brings a 429 and ARM's `Retry-After` lockout of
   * every write; a reserve of `n` tokens absorbs `n / refillPerSecond` seconds of jitter.
   */
  reserve?: number;
  /** Time source. Default: the system clock and `setTimeout`. */
  clock?: RateLimiterClock;
}

interface Bucket {
  /** May go negative: each waiting caller has reserved a future token. */
  tokens: number;
  updatedAt: number;
}

/** The real clock. */
export const systemClock: RateLimiterClock = {
  now: () => Date.now(),
  async sleep(ms, abortSignal) {
    try {
      await sleep(ms, undefined, abortSignal ? { signal: abortSignal } : {});
    } catch (err) {
      // node:timers/promises rejects with its own AbortError; callers expect the signal's reason.
      if (abortSignal?.aborted) throw abortReason(abortSignal);
      throw err;
    }
  },
};

/** The signal's reason when it is an Error, else an `AbortError`. */
function abortReason(signal: AbortSignal): Error {
  if (signal.reason instanceof Error) return signal.reason;
  const err = new Error('The operation was aborted.');
  err.name = 'AbortError';
  return err;
}

/**
 * A token bucket per subscription. Callers are served first come, first served: each call reserves the next
 * token and waits until it has accrued.
 */
export class SubscriptionRateLimiter {
  readonly #burst: number;
  readonly #refillPerMs: number;
  readonly #clock: RateLimiterClock;
  readonly #buckets = new Map<string, Bucket>();

  /**
   * @param options - bucket size, refill rate, clock
   * @throws RangeError when burst is below 1 or the refill rate is not positive
   */
  constructor(options: SubscriptionRateLimiterOptions = {}) {
    const burst = (options.burst ?? 200) - (options.reserve ?? 0);
    const refillPerSecond = options.refillPerSecond ?? 10;
    if (!(burst >= 1)) throw new RangeError(`burst less reserve must be at least 1, got ${burst}`);
    if (!(refillPerSecond > 0))
      throw new RangeError(`refillPerSecond must be positive, got ${refillPerSecond}`);
    this.#burst = burst;
    this.#refillPerMs = refillPerSecond / 1000;
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * Waits until a write token for `subscriptionId` is free, and takes it.
   * @param subscriptionId - subscription (case-insensitive)
   * @param abortSignal - gives up waiting (the token is handed back)
   * @throws the signal's reason when aborted while waiting
   */
  async acquire(subscriptionId: string, abortSignal?: AbortSignal): Promise<void> {
    if (abortSignal?.aborted) throw abortReason(abortSignal);
    const bucket = this.#refill(subscriptionId.toLowerCase());
    bucket.tokens -= 1;
    if (bucket.tokens >= 0) return;
    const waitInMs = Math.ceil(-bucket.tokens / this.#refillPerMs);
    try {
      await this.#clock.sleep(waitInMs, abortSignal);
    } catch (err) {
      bucket.tokens += 1;
      throw err;
    }
  }

  /**
   * Tokens available now for a subscription (negative: callers are waiting).
   * @param subscriptionId - subscription (case-insensitive)
   */
  available(subscriptionId: string): number {
    return this.#refill(subscriptionId.toLowerCase()).tokens;
  }

  #refill(key: string): Bucket {
    const now = this.#clock.now();
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket = { tokens: this.#burst, updatedAt: now };
      this.#buckets.set(key, bucket);
      return bucket;
    }
    bucket.tokens = Math.min(this.#burst, bucket.tokens + (now - bucket.updatedAt) * this.#refillPerMs);
    bucket.updatedAt = now;
    return bucket;
  }
}
