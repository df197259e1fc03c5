/** Size and refill rate of a token bucket. */
export interface TokenBucketLimits {
  /** Maximum tokens (the burst). */
  readonly burst: number;
  /** Tokens added per second. */
  readonly refillPerSecond: number;
}

/** Outcome of {@link TokenBucket.take}. */
export type TakeResult =
  { readonly ok: true; readonly remaining: number } | { readonly ok: false; readonly retryAfterInMs: number };

/**
 * A token bucket as ARM's throttling uses it: starts full, refills continuously, one token per request.
 *
 * Deliberately not shared with the product's client-side limiter (shared/arm/SubscriptionRateLimiter.ts):
 * this is the test oracle for ARM's server-side throttling, and the throttling tests check the product's
 * bucket against it. Were both the same code, a mistake in the bucket arithmetic would be made on both
 * sides and no test could see it. They also answer different questions: this one refuses with a
 * Retry-After (ARM's 429), the product's waits for a token (abortably) before it calls.
 */
export class TokenBucket {
  readonly #limits: TokenBucketLimits;
  #tokens: number;
  #updatedAt: number;

  constructor(limits: TokenBucketLimits, now: number) {
    this.#limits = limits;
    this.#tokens = limits.burst;
    this.#updatedAt = now;
  }

  /**
   * Takes one token if there is one.
   * @param now - current time in ms
   * @returns remaining whole tokens, or how long until a token is free
   */
  take(now: number): TakeResult {
    this.#refill(now);
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return { ok: true, remaining: Math.floor(this.#tokens) };
    }
    return { ok: false, retryAfterInMs: ((1 - this.#tokens) / this.#limits.refillPerSecond) * 1000 };
  }

  #refill(now: number): void {
    const elapsed = Math.max(0, now - this.#updatedAt) / 1000;
    this.#tokens = Math.min(this.#limits.burst, this.#tokens + elapsed * this.#limits.refillPerSecond);
    this.#updatedAt = now;
  }
}
