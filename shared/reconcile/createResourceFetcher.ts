import { setTimeout as sleep } from 'node:timers/promises';

import pLimit from 'p-limit';

import type { ArmResourceId } from '../arm/parseResourceId.ts';
import { ErrorCode, isKeySyncError, KeySyncError } from '../errors.ts';
import { fingerprintOf } from '../keys/fingerprintOf.ts';
import type { KeyLedger, RegenerateEvent, SightingVerdict } from '../keys/KeyLedger.ts';
import type { FetchedValues, KeyProvider, KeyValues } from '../keys/KeyProvider.ts';
import type { Logger } from '../logging.ts';
import { errorFields } from '../logging.ts';

/** Which key state a set of values comes from: what Secrets record to keep writes monotonic. */
export interface KeyGeneration {
  /** Orders the key states of one resource (see KeyLedger). */
  readonly generation: number;
  /** First 16 hex characters of the key state's fingerprint: names the state, reveals nothing. */
  readonly fingerprint: string;
}

/** The values of one resource, or why none could be fetched. */
export type ResourceValues =
  | {
      readonly values: KeyValues;
      readonly unavailable: FetchedValues['unavailable'];
      /** Set when the values include the resource's keys. */
      readonly keys?: KeyGeneration;
      /**
       * Set when these are the newest keys ARM gives but a regeneration announced by an event has not shown
       * yet: the values are written (they are never older than what a Secret holds), and the pass is retryable.
       */
      readonly staleness?: KeySyncError;
    }
  | { readonly error: KeySyncError };

/** Settings of one pass's fetcher. */
export interface ResourceFetcherOptions {
  readonly ledger: KeyLedger;
  readonly logger: Logger;
  /** Resources fetched at once (the ARM write budget paces listKeys further). */
  readonly concurrency: number;
  /** False in a dry run: the ledger is read, never written. */
  readonly record: boolean;
  /**
   * Resources a regenerate event named, with the event's time: keys first seen before it are a stale read
   * (ARM has not caught up, e.g. a Cosmos DB regeneration still running).
   */
  readonly regeneratedAt?: ReadonlyMap<string, RegenerateEvent>;
  /** Waits between reads of a stale or ambiguous key state. Default 0.5, 1, 2, 4, 8 s (about 15 s). */
  readonly staleRetryDelaysInMs?: readonly number[];
  /** Clock skew tolerated between an ARM event's time and ours (default 0). */
  readonly eventClockSkewInMs?: number;
  /** Milliseconds since the epoch; the ledger's and the stale check's clock. */
  readonly now?: () => number;
}

/** One pass's access to resource values. */
export interface ResourceFetcher {
  /**
   * The values of a resource. Each resource is fetched once per pass, however many bindings in however many
   * clusters ask, and whenever they ask (clusters are applied as soon as each is loaded): a fetch that needs
   * keys fetches the provider's whole catalogue (one GET and one listKeys whatever is asked), a fetch without
   * keys every value that needs none; only a later request for keys after a keyless fetch fetches again.
   * Never throws: failures are returned.
   * @param resource - the parsed resource
   * @param provider - its provider
   * @param wanted - the value names the caller needs
   */
  get(resource: ArmResourceId, provider: KeyProvider, wanted: ReadonlySet<string>): Promise<ResourceValues>;
  /** ARM fetches started so far (a resource fetched with keys after a keyless fetch counts twice). */
  readonly fetches: number;
  /** Errors of the resources whose fetch failed. */
  readonly errors: readonly KeySyncError[];
}

const defaultDelays = [500, 1000, 2000, 4000, 8000];

/**
 * Creates the fetcher of one reconcile pass. Every key read is fingerprinted and judged against the key ledger:
 * a state older than the newest one known (a stale ARM replica, a slow read), a state first seen before the
 * regeneration an event announced, or a new state whose read overlapped another new one is read again with
 * backoff, then fails with a retryable `StaleKeys`. So the values handed out are never older than a state the
 * service has already seen, and their generation orders them for the writer.
 * @param options - ledger, logging, concurrency, dry run, regenerate events
 */
export function createResourceFetcher(options: ResourceFetcherOptions): ResourceFetcher {
  const limit = pLimit(Math.max(1, options.concurrency));
  const memo = new Map<string, { withKeys: boolean; result: Promise<ResourceValues> }>();
  const errors: KeySyncError[] = [];
  let fetches = 0;
  return {
    get fetches() {
      return fetches;
    },
    errors,
    get(resource, provider, wanted) {
      const withKeys = provider.needsKeys(wanted);
      const seen = memo.get(resource.key);
      if (seen && (seen.withKeys || !withKeys)) return seen.result;
      const names = provider.valueNames.filter((n) => withKeys || !provider.needsKeys(new Set([n])));
      fetches += 1;
      const result = limit(() => fetchOne(options, resource, provider, new Set(names), withKeys)).then(
        (r) => {
          if ('error' in r) errors.push(r.error);
          return r;
        },
      );
      memo.set(resource.key, { withKeys, result });
      return result;
    },
  };
}

async function fetchOne(
  o: ResourceFetcherOptions,
  resource: ArmResourceId,
  provider: KeyProvider,
  names: ReadonlySet<string>,
  withKeys: boolean,
): Promise<ResourceValues> {
  try {
    if (!withKeys) return await provider.fetchValues(resource, names);
    return await fetchInOrder(o, resource, provider, names);
  } catch (err) {
    const error = isKeySyncError(err)
      ? err
      : new KeySyncError(ErrorCode.Internal, `fetching values of ${resource.id} failed unexpectedly`, {
          retryable: true,
          cause: err,
        });
    o.logger.warn({ resourceId: resource.id, ...errorFields(error) }, 'could not fetch resource values');
    return { error };
  }
}

async function fetchInOrder(
  o: ResourceFetcherOptions,
  resource: ArmResourceId,
  provider: KeyProvider,
  names: ReadonlySet<string>,
): Promise<ResourceValues> {
  const now = o.now ?? Date.now;
  const delays = o.staleRetryDelaysInMs ?? defaultDelays;
  const event = o.regeneratedAt?.get(resource.key);
  // Only a regeneration whose event can precede its change needs a key state of its own (see KeyLedger).
  const announced = provider.regenerationEventPrecedesChange === true ? event : undefined;
  for (let attempt = 0; ; attempt++) {
    const startedAt = now();
    const fetched = await provider.fetchValues(resource, names);
    const endedAt = now();
    // Keys refused (key auth disabled) or missing: nothing to order; the bindings asking for keys get the error.
    if (provider.keyValueNames.some((n) => !fetched.values.has(n))) return fetched;
    const fingerprint = fingerprintOf(fetched.values, provider.keyValueNames);
    const verdict = await o.ledger.observe(
      resource.key,
      fingerprint,
      { startedAt, endedAt },
      o.record,
      announced,
    );
    const stale = staleness(verdict, event, o.eventClockSkewInMs ?? 0);
    const keys =
      verdict.kind === 'ambiguous'
        ? undefined
        : { generation: verdict.sighting.generation, fingerprint: fingerprint.slice(0, 16) };
    if (!stale && keys) return { ...fetched, keys };
    const delay = delays[attempt];
    if (delay === undefined) {
      const error = new KeySyncError(
        ErrorCode.StaleKeys,
        `${resource.id}: ARM still returns ${stale ?? 'keys that cannot be ordered'} after ${attempt + 1} reads; ` +
          'retried on the next delivery or resync',
        { retryable: true, details: { resourceId: resource.id, fingerprint: fingerprint.slice(0, 16) } },
      );
      // The newest keys ARM gives are written all the same (never older than what a Secret holds, and maybe
      // newer): a regeneration whose result is still to come is waited for by the redelivery.
      if (keys && verdict.kind !== 'ambiguous' && (verdict.kind === 'new' || verdict.latest))
        return { ...fetched, keys, staleness: error };
      throw error;
    }
    o.logger.debug(
      {
        resourceId: resource.id,
        fingerprint: fingerprint.slice(0, 16),
        attempt,
        reason: stale ?? 'ambiguous',
      },
      'key read not usable yet; reading again',
    );
    await sleep(delay);
  }
}

/** Why a read's keys are stale, or undefined when they are not. */
function staleness(
  verdict: SightingVerdict,
  event: RegenerateEvent | undefined,
  skew: number,
): string | undefined {
  if (verdict.kind === 'ambiguous') return undefined;
  if (verdict.kind === 'known' && !verdict.latest) return 'keys older than keys already seen';
  if (!event) return undefined;
  const before = `the keys from before the regeneration announced at ${new Date(event.at).toISOString()}`;
  if (verdict.unsatisfiedEvents > 0) return before;
  // First seen before the event: ARM has not caught up with it (ADR 0005).
  if (verdict.kind === 'known' && verdict.sighting.generation < event.at - skew) return before;
  return undefined;
}
