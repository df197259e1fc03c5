import { createHash } from 'node:crypto';

import type { ArmResourceId } from '../arm/parseResourceId.ts';
import { ErrorCode, KeySyncError } from '../errors.ts';
import type { KeyProviderLookup } from '../reconcile/preflightBinding.ts';
import type { KeyFingerprintStore } from './KeyFingerprintStore.ts';
import type { FetchValuesOptions, KeyProvider, KeyValues } from './KeyProvider.ts';

/** Options for {@link trackKeyFingerprints}. */
export interface TrackOptions {
  readonly store: KeyFingerprintStore;
  readonly now: () => Date;
  /**
   * Resources a regenerate event named, with the event's time. For these, keys first seen before that time
   * are a stale read (ARM has not caught up, e.g. a Cosmos DB regenerate still running): read again with
   * backoff, then fail with a retryable `StaleKeys` so Event Grid redelivers.
   */
  readonly regeneratedAt?: ReadonlyMap<string, Date>;
  /** Waits between stale reads. Default 0.5, 1, 2, 4, 8 s (about 15 s in all). */
  readonly staleRetryDelaysInMs?: readonly number[];
  /**
   * Clock skew tolerated between ARM's event time and our clock. Default 0: keys first seen at or after the
   * event time are current. A tolerance would hide a stale read right after a resync (Secrets left stale until
   * the next timer run); without one, a clock running behind ARM's can only make a duplicate event look stale,
   * which costs a few reads and a redelivery, never a wrong Secret.
   */
  readonly clockSkewInMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Decorates every provider so that each key read is fingerprinted (a SHA-256 over all the resource's keys,
 * which are fetched in the same single listKeys call) and remembered, and reads after a regenerate event are
 * checked for staleness. Endpoint-only reads are passed through untouched.
 * @param providers - the registry
 * @param options - store, clock, regenerate events
 */
export function trackKeyFingerprints(providers: KeyProviderLookup, options: TrackOptions): KeyProviderLookup {
  return { get: (type) => tracked(providers.get(type), options) };
}

function tracked(provider: KeyProvider, o: TrackOptions): KeyProvider {
  return {
    resourceType: provider.resourceType,
    valueNames: provider.valueNames,
    keyValueNames: provider.keyValueNames,
    needsKeys: (wanted) => provider.needsKeys(wanted),
    async fetchValues(
      resource: ArmResourceId,
      wanted: ReadonlySet<string>,
      fetchOptions?: FetchValuesOptions,
    ) {
      if (!provider.needsKeys(wanted)) return provider.fetchValues(resource, wanted, fetchOptions);
      const all = new Set([...wanted, ...provider.keyValueNames]);
      const since = o.regeneratedAt?.get(resource.key);
      const delays = o.staleRetryDelaysInMs ?? [500, 1000, 2000, 4000, 8000];
      const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
      for (let attempt = 0; ; attempt++) {
        const values = await provider.fetchValues(resource, all, fetchOptions);
        const fingerprint = fingerprintOf(values, provider.keyValueNames);
        if (!since || !(await isStale(o, resource.key, fingerprint, since))) {
          await o.store.record(resource.key, fingerprint, o.now());
          return values;
        }
        const delay = delays[attempt];
        if (delay === undefined) {
          throw new KeySyncError(
            ErrorCode.StaleKeys,
            `${resource.id}: ARM still returns the keys from before the regeneration at ${since.toISOString()} ` +
              `after ${attempt + 1} reads; the event will be redelivered`,
            { retryable: true, details: { resourceId: resource.id } },
          );
        }
        await sleep(delay);
      }
    },
  };
}

async function isStale(o: TrackOptions, key: string, fingerprint: string, since: Date): Promise<boolean> {
  const known = await o.store.get(key);
  if (!known || known.fingerprint !== fingerprint) return false;
  return known.observedAt.getTime() < since.getTime() - (o.clockSkewInMs ?? 0);
}

/**
 * A SHA-256 over the named values (sorted by name). Reveals nothing usable about the keys.
 * @param values - fetched values
 * @param names - the key value names
 */
export function fingerprintOf(values: KeyValues, names: readonly string[]): string {
  const h = createHash('sha256');
  for (const n of [...names].sort())
    h.update(n)
      .update('\0')
      .update(values.get(n) ?? '')
      .update('\0');
  return h.digest('hex');
}
