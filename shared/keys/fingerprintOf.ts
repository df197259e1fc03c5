import { hashSortedEntries } from '../hashSortedEntries.ts';
import type { KeyValues } from './KeyProvider.ts';

/**
 * A SHA-256 over the named values (sorted by name): one key state of a resource. Computed over all of a
 * resource's keys, which one listKeys call returns together, so it changes whichever key is regenerated. A hash
 * of high-entropy keys reveals nothing usable about them; it is what logs, annotations and the ledger carry.
 * @param values - fetched values
 * @param names - the key value names
 * @returns lower-case hex
 */
export function fingerprintOf(values: KeyValues, names: readonly string[]): string {
  return hashSortedEntries(Object.fromEntries(names.map((n) => [n, values.get(n) ?? ''])));
}
