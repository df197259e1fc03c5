import { createHash, randomUUID } from 'node:crypto';

/** A claim this invocation holds on one event: it alone does the event's work until it completes or releases. */
export interface EventClaim {
  readonly eventId: string;
  /** Whether the claim was taken over from an expired one (a crashed or stalled handler's). */
  readonly takenOver: boolean;
  /** Proves ownership on release (the entity's ETag in Table storage): a taken-over claim is not released. */
  readonly token: string;
}

/** What a claim attempt found. */
export type ClaimResult =
  | { readonly status: 'claimed'; readonly claim: EventClaim }
  /** Handled already: a duplicate delivery, to acknowledge without any work. */
  | { readonly status: 'done'; readonly until: Date }
  /** Another invocation is handling the event now; its claim lasts until `until` unless it completes first. */
  | { readonly status: 'in-progress'; readonly until: Date };

/**
 * One claim per Event Grid event ID, shared by every engine process, so that duplicate deliveries of one event
 * (Event Grid delivers at least once) cost one round of ARM calls, not one each, even when they arrive at the
 * same moment on two hosts. States: in progress (a lease: a crashed host's claim expires and is taken over),
 * then done (kept for {@link EventClaimTimes.retentionInMs}, longer than Event Grid's retry window).
 */
export interface EventClaims {
  /**
   * Claims an event for this invocation. Exactly one of concurrent callers gets `claimed`.
   * @param eventId - the Event Grid event ID
   * @param now - the current time
   */
  claim(eventId: string, now: Date): Promise<ClaimResult>;
  /** Marks the event handled: duplicates delivered from now on are acknowledged without work. */
  complete(claim: EventClaim, now: Date): Promise<void>;
  /** Gives the claim up after a retryable failure, so the redelivery can claim the event again. */
  release(claim: EventClaim): Promise<void>;
  /**
   * Deletes claims whose time is up (expired leases, done claims past their retention). Implementations may
   * skip the work when they swept recently.
   * @returns how many claims were deleted
   */
  sweep(now: Date): Promise<number>;
}

/** How long claims last. */
export interface EventClaimTimes {
  /** Lease of an in-progress claim (default 5 min): longer than handling one event takes. */
  readonly leaseInMs?: number;
  /**
   * How long a done claim is kept (default 24 h): Event Grid stops redelivering an event at the latest
   * 24 h after publishing it (the maximum `eventTimeToLiveInMinutes`; this project's subscription uses 3 h).
   */
  readonly retentionInMs?: number;
}

/** Default lease of an in-progress claim. */
export const defaultClaimLeaseInMs = 5 * 60_000;
/** Default retention of a done claim. */
export const defaultClaimRetentionInMs = 24 * 3_600_000;

/**
 * A Table storage row key for an event ID: percent-encoded (row keys may not hold `/`, `\`, `#`, `?` or
 * control characters), or a SHA-256 digest for IDs too long for the 1 KiB key limit.
 * @param eventId - the Event Grid event ID
 */
export function claimRowKey(eventId: string): string {
  const encoded = encodeURIComponent(eventId);
  return encoded.length <= 512 ? encoded : `sha256:${createHash('sha256').update(eventId).digest('hex')}`;
}

/**
 * An in-memory {@link EventClaims} with the same rules as the Table one, for unit tests and single-process use.
 * @param times - lease and retention
 */
export function createMemoryEventClaims(times: EventClaimTimes = {}): EventClaims {
  const lease = times.leaseInMs ?? defaultClaimLeaseInMs;
  const retention = times.retentionInMs ?? defaultClaimRetentionInMs;
  const claims = new Map<string, { state: 'in-progress' | 'done'; expiresAt: Date; token: string }>();
  return {
    claim(eventId, now) {
      const seen = claims.get(eventId);
      if (seen && seen.expiresAt > now) return Promise.resolve({ status: seen.state, until: seen.expiresAt });
      const token = randomUUID();
      claims.set(eventId, { state: 'in-progress', expiresAt: new Date(now.getTime() + lease), token });
      return Promise.resolve({ status: 'claimed', claim: { eventId, takenOver: seen !== undefined, token } });
    },
    complete(claim, now) {
      claims.set(claim.eventId, {
        state: 'done',
        expiresAt: new Date(now.getTime() + retention),
        token: randomUUID(),
      });
      return Promise.resolve();
    },
    release(claim) {
      if (claims.get(claim.eventId)?.token === claim.token) claims.delete(claim.eventId);
      return Promise.resolve();
    },
    sweep(now) {
      let deleted = 0;
      for (const [id, c] of claims) {
        if (c.expiresAt <= now) {
          claims.delete(id);
          deleted += 1;
        }
      }
      return Promise.resolve(deleted);
    },
  };
}
