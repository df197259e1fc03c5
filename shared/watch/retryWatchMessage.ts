import { isKeySyncError } from '../errors.ts';
import { parseWatchMessage } from './WatchMessage.ts';
import type { WatchRedelivery } from './WatchRedelivery.ts';
import type { WatchRetryPolicy } from './watchRetryPolicy.ts';
import { nextWatchRetry } from './watchRetryPolicy.ts';
import { readWatchRetryState, toRetryServiceBusMessage } from './watchServiceBusMessage.ts';

/** What {@link retryWatchMessage} needs. */
export interface WatchRetryDeps {
  /** Undefined when the app has no way to schedule (no Service Bus namespace configured). */
  readonly redelivery: WatchRedelivery | undefined;
  readonly policy: WatchRetryPolicy;
  /** Epoch ms (tests fix it). */
  readonly now?: () => number;
  /** A number in [0, 1) for the jitter (tests fix it). */
  readonly random?: () => number;
}

/** What became of a delivery that failed for a passing reason. */
export type WatchRetryOutcome =
  | {
      /** A copy is scheduled; the delivery in hand can be completed. */
      readonly kind: 'scheduled';
      readonly attempt: number;
      readonly delayInMs: number;
      readonly enqueueAt: Date;
      /** The copy's message ID. */
      readonly messageId: string;
    }
  | {
      /** The retry window is spent: the delivery should fail until Service Bus dead-letters it. */
      readonly kind: 'exhausted';
      readonly attempts: number;
      readonly elapsedInMs: number;
    }
  | {
      /** Nothing to schedule with: the delivery should fail (Service Bus redelivers it at once). */
      readonly kind: 'unavailable';
    };

/**
 * The delayed retry of a watch message whose handling failed for a passing reason (cluster unreachable, ARM
 * throttled or unavailable): decides from the retry state the message carries whether the window allows
 * another try, and if so schedules a copy of it on the queue for later (see `watchRetryPolicy.ts`). The
 * delay honours an ARM `Retry-After` carried by the error.
 * @param deps - the redelivery, the policy, clock
 * @param body - the message body as delivered (it passed validation: the failure was retryable)
 * @param received - the delivered message's application properties (`triggerMetadata.applicationProperties`)
 * @param error - the retryable failure
 * @returns what was done
 * @throws whatever the queue answered when scheduling failed: the caller must then let the delivery fail,
 *   so that Service Bus delivers it again instead of losing it
 */
export async function retryWatchMessage(
  deps: WatchRetryDeps,
  body: unknown,
  received: { readonly applicationProperties?: unknown },
  error: unknown,
): Promise<WatchRetryOutcome> {
  if (!deps.redelivery) return { kind: 'unavailable' };
  const now = deps.now?.() ?? Date.now();
  const decision = nextWatchRetry(readWatchRetryState(received.applicationProperties), now, deps.policy, {
    retryAfterInMs: isKeySyncError(error) ? error.retryAfterInMs : undefined,
    ...(deps.random ? { random: deps.random() } : {}),
  });
  if (decision.kind === 'exhausted') return decision;
  const copy = toRetryServiceBusMessage(parseWatchMessage(body), decision.next);
  const enqueueAt = new Date(now + decision.delayInMs);
  await deps.redelivery.schedule(copy, enqueueAt);
  return {
    kind: 'scheduled',
    attempt: decision.next.attempt,
    delayInMs: decision.delayInMs,
    enqueueAt,
    messageId: copy.messageId as string,
  };
}
