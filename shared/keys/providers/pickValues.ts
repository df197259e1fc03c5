import type { ArmResourceId } from '../../arm/parseResourceId.ts';
import { ErrorCode, KeySyncError } from '../../errors.ts';
import type { FetchedValues } from '../KeyProvider.ts';
import { unknownValuesError } from '../unknownValuesError.ts';

/** How one value is produced from what was fetched. */
export interface ValueSource<C> {
  /** Whether producing it needs a key (so a listKeys call). */
  readonly needsKey: boolean;
  /** Reads the value; undefined when the resource or response lacks it. */
  readonly read: (fetched: C) => string | undefined;
}

/** A provider's value catalogue: value name -> source. */
export type ValueCatalogue<C> = Readonly<Record<string, ValueSource<C>>>;

/**
 * Checks that every wanted name is in the catalogue.
 * @throws ValidationError `InvalidBinding` listing the unknown names and the valid ones
 */
export function assertKnownValues<C>(
  catalogue: ValueCatalogue<C>,
  resource: ArmResourceId,
  wanted: ReadonlySet<string>,
): void {
  const err = unknownValuesError(resource.resourceType, Object.keys(catalogue), wanted, {
    details: { resourceId: resource.id },
  });
  if (err) throw err;
}

/** Whether any wanted value needs a key. */
export function needsKeys<C>(catalogue: ValueCatalogue<C>, wanted: ReadonlySet<string>): boolean {
  return [...wanted].some((w) => catalogue[w]?.needsKey === true);
}

/**
 * Produces every wanted value, or says per value why it cannot be had.
 * @param catalogue - the provider's catalogue
 * @param resource - the resource (for error messages)
 * @param wanted - value names, all in the catalogue
 * @param fetched - what was fetched from ARM
 * @param keysRefused - set when the resource refuses key authentication: every value that needs a key gets
 *   this error (and nothing was fetched for them)
 * @returns the values; `unavailable` holds `InvalidBinding` for a property the resource lacks (e.g. no queue
 *   endpoint), `ArmUnavailable` (retryable) when ARM's key response lacked a key, or `keysRefused`
 */
export function pickValues<C>(
  catalogue: ValueCatalogue<C>,
  resource: ArmResourceId,
  wanted: ReadonlySet<string>,
  fetched: C,
  keysRefused?: KeySyncError,
): FetchedValues {
  const values = new Map<string, string>();
  const unavailable = new Map<string, KeySyncError>();
  for (const name of wanted) {
    const source = catalogue[name];
    if (source?.needsKey && keysRefused) {
      unavailable.set(name, keysRefused);
      continue;
    }
    const value = source?.read(fetched);
    if (value !== undefined && value !== '') values.set(name, value);
    else if (source?.needsKey)
      unavailable.set(
        name,
        new KeySyncError(ErrorCode.ArmUnavailable, `ARM returned no ${name} for ${resource.id}`, {
          retryable: true,
          details: { resourceId: resource.id, value: name },
        }),
      );
    else
      unavailable.set(
        name,
        new KeySyncError(
          ErrorCode.InvalidBinding,
          `${resource.id} has no ${name}; remove it from the binding`,
          {
            details: { resourceId: resource.id, value: name },
          },
        ),
      );
  }
  return { values, unavailable };
}
