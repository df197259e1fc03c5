import type { ArmResourceId } from '../arm/parseResourceId.ts';
import type { KeySyncError } from '../errors.ts';

/** Values a provider produced: value name (e.g. `primaryKey`) -> value. Treat every value as secret. */
export type KeyValues = ReadonlyMap<string, string>;

/**
 * What one fetch produced: the values it could, and per value name it could not, why. A value one binding asks
 * for and the resource lacks (`queueEndpoint` of a BlockBlobStorage account, keys of a resource whose key
 * authentication is off) fails only the bindings that ask for it, never the other bindings of the resource.
 */
export interface FetchedValues {
  readonly values: KeyValues;
  readonly unavailable: ReadonlyMap<string, KeySyncError>;
}

/** Options for {@link KeyProvider.fetchValues}. */
export interface FetchValuesOptions {
  /** Cancels the ARM calls. */
  abortSignal?: AbortSignal;
}

/**
 * The extension point for one Azure resource type whose keys can be bound into Secrets.
 *
 * Invoked by the reconciler once per resource per pass (never per binding), with the union of the value names
 * every binding of that resource asked for. A provider:
 * - fetches only what was asked for (a request for endpoints only makes no listKeys call);
 * - reads the resource first and refuses, with `DataPlaneDisabled`, when key authentication is disabled on it;
 * - never logs or embeds values in errors.
 *
 * Errors thrown are {@link KeySyncError}s about the whole resource: `ResourceNotFound` (404), `ArmForbidden`
 * (403), `ArmThrottled` (429 after the client's own waits, retryable), `ArmUnavailable` (5xx, timeouts,
 * retryable). What only some values lack (`DataPlaneDisabled` for keys, a missing endpoint) is returned in
 * {@link FetchedValues.unavailable} instead, so it fails only the bindings that ask for those values.
 */
export interface KeyProvider {
  /** Lower-cased ARM resource type this provider serves, e.g. `microsoft.storage/storageaccounts`. */
  readonly resourceType: string;
  /** Every value name a KeyBinding may ask this provider for, e.g. `primaryKey`, `blobEndpoint`. */
  readonly valueNames: readonly string[];
  /**
   * The value names that are the resource's raw keys (all of them, so that a fingerprint over them changes
   * whichever key is regenerated): used to tell a fresh read from a stale one after a regenerate event.
   */
  readonly keyValueNames: readonly string[];
  /**
   * True when a regeneration is a long-running operation whose Event Grid event can come before the keys change
   * (Cosmos DB): each announced regeneration then waits for a key state of its own (see KeyLedger). Otherwise a
   * read that starts after the event sees its result.
   */
  readonly regenerationEventPrecedesChange?: boolean;
  /**
   * Whether producing these values needs the resource's keys (a listKeys call): true for keys and connection
   * strings, false for endpoints and names.
   * @param wanted - value names, all members of {@link valueNames}
   */
  needsKeys(wanted: ReadonlySet<string>): boolean;
  /**
   * Fetches the requested values of one resource.
   * @param resource - the resource, already parsed and of this provider's type
   * @param wanted - value names to produce; all are members of {@link valueNames}
   * @param options - cancellation
   * @returns every wanted value, each either in `values` or in `unavailable`
   */
  fetchValues(
    resource: ArmResourceId,
    wanted: ReadonlySet<string>,
    options?: FetchValuesOptions,
  ): Promise<FetchedValues>;
}

/** Finds the provider for a resource type; throws `UnsupportedResourceType` naming it when there is none. */
export interface KeyProviderLookup {
  get(resourceType: string): KeyProvider;
}
