import { hashSortedEntries } from '../hashSortedEntries.ts';

/**
 * A stable hash of Secret data (sorted keys), stored in an annotation and compared to skip no-op writes and to
 * detect drift.
 * @param data - data key -> plain value
 * @returns `sha256:<hex>`
 */
export function hashSecretData(data: Readonly<Record<string, string>>): string {
  return `sha256:${hashSortedEntries(data)}`;
}
