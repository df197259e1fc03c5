import { createHash } from 'node:crypto';

/**
 * A SHA-256 over name/value pairs sorted by name (each name and value followed by a NUL), so the same data in
 * any order gives the same hash. The one hash behind a resource's key fingerprint (keys/fingerprintOf.ts) and
 * a Secret's data hash annotation (reconcile/hashSecretData.ts): both are persisted (key ledger, annotations),
 * so the byte layout must not change. A hash of high-entropy keys reveals nothing usable about them.
 * @param entries - name -> plain value
 * @returns lower-case hex
 */
export function hashSortedEntries(entries: Readonly<Record<string, string>>): string {
  const h = createHash('sha256');
  for (const name of Object.keys(entries).sort())
    h.update(name)
      .update('\0')
      .update(entries[name] ?? '')
      .update('\0');
  return h.digest('hex');
}
