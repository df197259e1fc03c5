import { armErrors } from './ArmHttpError.ts';
import { TokenBucket, type TokenBucketLimits } from './TokenBucket.ts';

/** ARM's operation classes for throttling: GET = reads, DELETE = deletes, everything else (incl. POST) = writes. */
export type OperationClass = 'reads' | 'writes' | 'deletes';

/** Bucket limits per operation class. */
export type ThrottlingLimits = Readonly<Record<OperationClass, TokenBucketLimits>>;

/** ARM's documented per-principal, per-subscription defaults. */
export const defaultThrottlingLimits: ThrottlingLimits = {
  reads: { burst: 250, refillPerSecond: 25 },
  writes: { burst: 200, refillPerSecond: 10 },
  deletes: { burst: 200, refillPerSecond: 10 },
};

/** The operation class of an HTTP method. */
export function operationClassOf(method: string): OperationClass {
  const m = method.toUpperCase();
  if (m === 'GET' || m === 'HEAD') return 'reads';
  if (m === 'DELETE') return 'deletes';
  return 'writes';
}

/**
 * ARM's throttling: one token bucket per (principal, subscription, operation class). A 429 says when to come
 * back (`Retry-After`, whole seconds); a request before then is rejected again with the remaining time.
 */
export class ArmThrottle {
  readonly #limits: ThrottlingLimits;
  readonly #buckets = new Map<string, TokenBucket>();
  readonly #blockedUntil = new Map<string, number>();
  readonly #now: () => number;

  constructor(limits: ThrottlingLimits, now: () => number = Date.now) {
    this.#limits = limits;
    this.#now = now;
  }

  /**
   * Takes a token for one request.
   * @param principal - caller
   * @param subscriptionId - subscription of the request
   * @param method - HTTP method
   * @returns the response header reporting what is left (`x-ms-ratelimit-remaining-subscription-<class>`)
   * @throws ArmHttpError 429 with `Retry-After` (whole seconds, rounded up) when the bucket is empty
   */
  take(principal: string, subscriptionId: string, method: string): Record<string, string> {
    const cls = operationClassOf(method);
    const key = `${principal}\u0000${subscriptionId.toLowerCase()}\u0000${cls}`;
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(this.#limits[cls], this.#now());
      this.#buckets.set(key, bucket);
    }
    const header = `x-ms-ratelimit-remaining-subscription-${cls}`;
    const now = this.#now();
    const blockedUntil = this.#blockedUntil.get(key) ?? 0;
    const result =
      now < blockedUntil ? { ok: false as const, retryAfterInMs: blockedUntil - now } : bucket.take(now);
    if (result.ok) return { [header]: String(result.remaining) };
    const seconds = Math.max(1, Math.ceil(result.retryAfterInMs / 1000));
    if (now >= blockedUntil) this.#blockedUntil.set(key, now + seconds * 1000);
    throw armErrors.throttled({
      operationClass: cls.replace(/s$/, ''),
      subscriptionId,
      principal,
      retryAfterSeconds: seconds,
      headers: { [header]: '0' },
    });
  }
}
