import { ErrorCode, isKeySyncError, KeySyncError } from '../errors.ts';
import { errorFields } from '../logging.ts';
import type { ArmChange } from './ArmChange.ts';
import type { LoadEventDeserializer } from './classifyArmEvent.ts';
import { classifyArmEvent, eventIdOf } from './classifyArmEvent.ts';
import type { EventClaim, EventClaims } from './EventClaims.ts';
import type { ArmEventDeps, ArmEventOutcome } from './handleArmChanges.ts';
import { handleArmChanges } from './handleArmChanges.ts';

/** What {@link handleArmEvent} needs. */
export interface HandleArmEventDeps {
  /** The engine (its logger and clock are used here too). */
  readonly engine: ArmEventDeps;
  readonly claims: EventClaims;
  /** Applies the classified change (default: {@link handleArmChanges}; unit tests count calls with a fake). */
  readonly applyChanges?: (deps: ArmEventDeps, changes: readonly ArmChange[]) => Promise<ArmEventOutcome>;
  /** Loads the Event Grid SDK (default: imported on first use). */
  readonly loadDeserializer?: LoadEventDeserializer;
}

/** What became of one delivered event. Retryable trouble is thrown instead (see {@link handleArmEvent}). */
export type ArmEventResult =
  /** Malformed: logged and acknowledged, since redelivering it cannot help. */
  | { readonly status: 'poison'; readonly eventId: string; readonly error: KeySyncError }
  /** Valid, but nothing we act on (our own listKeys echo, other operations). */
  | { readonly status: 'ignored'; readonly eventId: string; readonly reason: string }
  /** A duplicate of an event already handled: acknowledged without any ARM call. */
  | { readonly status: 'duplicate'; readonly eventId: string }
  /** Handled by this invocation. When `outcome.retryable` is not empty the claim was released. */
  | { readonly status: 'handled'; readonly change: ArmChange; readonly outcome: ArmEventOutcome };

/**
 * The ARM event use-case: classify, claim the event ID, apply the change, then mark the claim done, or release
 * it when the work failed in a way a redelivery may fix (so that redelivery can claim it again).
 *
 * Duplicates: Event Grid delivers at least once. A duplicate that finds the event done is acknowledged with no
 * ARM call. One that finds it in progress elsewhere fails retryably, also with no ARM call: acknowledging it
 * would be wrong when the "other" invocation is this very delivery's earlier attempt on a host that crashed
 * (Event Grid redelivers it well within the lease, and would then consider it delivered). Failing it instead
 * makes Event Grid retry it later, when the claim is done (acknowledged), released, or expired (taken over).
 * @param deps - engine, claims store
 * @param raw - the event as the trigger hands it over (Event Grid or CloudEvents 1.0 schema)
 * @returns what happened; the caller fails the invocation when `outcome.retryable` is not empty
 * @throws KeySyncError (retryable) when the SDK cannot load, claims storage fails, or the event is in progress
 *   elsewhere; and whatever {@link handleArmChanges} throws (after releasing the claim)
 */
export async function handleArmEvent(deps: HandleArmEventDeps, raw: unknown): Promise<ArmEventResult> {
  const { engine, claims } = deps;
  let change;
  try {
    change = await classifyArmEvent(
      raw,
      deps.loadDeserializer ? { loadDeserializer: deps.loadDeserializer } : {},
    );
  } catch (err) {
    if (isKeySyncError(err) && !err.retryable)
      return { status: 'poison', eventId: eventIdOf(raw), error: err };
    throw err;
  }
  if ('ignored' in change) return { status: 'ignored', eventId: change.eventId, reason: change.reason };

  const found = await claims.claim(change.eventId, engine.now());
  if (found.status === 'done') return { status: 'duplicate', eventId: change.eventId };
  if (found.status === 'in-progress') {
    throw new KeySyncError(
      ErrorCode.Internal,
      `event ${change.eventId} is being handled by another invocation (claim held until ${found.until.toISOString()}); ` +
        'this delivery fails without any ARM call so that Event Grid retries it once that one is done',
      { retryable: true, details: { eventId: change.eventId } },
    );
  }
  const { claim } = found;
  if (claim.takenOver) engine.logger.warn({ eventId: change.eventId }, 'expired event claim taken over');

  let outcome: ArmEventOutcome;
  try {
    outcome = await (deps.applyChanges ?? handleArmChanges)(engine, [change]);
  } catch (err) {
    await releaseQuietly(deps, change.eventId, claim);
    throw err;
  }
  if (outcome.retryable.length > 0) {
    await releaseQuietly(deps, change.eventId, claim);
    return { status: 'handled', change, outcome };
  }
  await completeQuietly(deps, change.eventId, claim);
  return { status: 'handled', change, outcome };
}

/**
 * Marks the claim done and sweeps expired claims (at most hourly). Failures are logged, not thrown: the work is
 * done, and a claim left in progress only makes duplicates wait for its lease.
 */
async function completeQuietly(deps: HandleArmEventDeps, eventId: string, claim: EventClaim): Promise<void> {
  const { claims, engine } = deps;
  const now = engine.now();
  try {
    await claims.complete(claim, now);
  } catch (err) {
    engine.logger.warn({ eventId, ...errorFields(err) }, 'event claim not completed');
  }
  try {
    const deleted = await claims.sweep(now);
    if (deleted > 0) engine.logger.debug({ deleted }, 'expired event claims deleted');
  } catch (err) {
    engine.logger.warn({ ...errorFields(err) }, 'expired event claims not deleted');
  }
}

/** Releases a claim; a failure is logged (the lease then expires and a redelivery takes the claim over). */
async function releaseQuietly(deps: HandleArmEventDeps, eventId: string, claim: EventClaim): Promise<void> {
  try {
    await deps.claims.release(claim);
  } catch (err) {
    deps.engine.logger.warn(
      { eventId, ...errorFields(err) },
      'event claim not released; a redelivery takes it over when its lease expires',
    );
  }
}
