import type { TableClient } from '@azure/data-tables';

import type { TableStoreOptions } from '../tables/tableHelpers.ts';
import { createTableOnce, isNotFound, storageError, tableDeadline } from '../tables/tableHelpers.ts';

/** What is remembered about a resource's keys: a hash of all of them, and when that hash was first seen. */
export interface KeyFingerprint {
  readonly fingerprint: string;
  /** When the service first read keys with this fingerprint (its own clock). */
  readonly observedAt: Date;
}

/**
 * Remembers, per resource, the fingerprint of its keys, so that a read after a regenerate event can be told
 * apart: keys first seen before the regeneration are stale; keys first seen after it are current.
 */
export interface KeyFingerprintStore {
  get(resourceKey: string): Promise<KeyFingerprint | undefined>;
  /** Records `fingerprint` as seen at `now`, unless it is already the recorded one (first sighting wins). */
  record(resourceKey: string, fingerprint: string, now: Date): Promise<void>;
}

/** An in-memory {@link KeyFingerprintStore}. */
export function createMemoryKeyFingerprintStore(): KeyFingerprintStore {
  const m = new Map<string, KeyFingerprint>();
  return {
    get: (k) => Promise.resolve(m.get(k)),
    record: (k, fingerprint, now) => {
      if (m.get(k)?.fingerprint !== fingerprint) m.set(k, { fingerprint, observedAt: now });
      return Promise.resolve();
    },
  };
}

interface FingerprintEntity {
  partitionKey: string;
  rowKey: string;
  fingerprint: string;
  observedAt: Date;
}

const partitionKey = 'keys';

/**
 * A {@link KeyFingerprintStore} in the binding index's table (partition `keys`, row = encoded resource key).
 * Holds hashes only, never keys. Every Table operation is bounded by `timeoutInMs`.
 * @param table - the index table client (created by the index on first use; created here too if needed)
 * @param options - operation bound
 */
export function createTableKeyFingerprintStore(
  table: TableClient,
  options: TableStoreOptions = {},
): KeyFingerprintStore {
  const ensureTable = createTableOnce(table, 'binding index', options.timeoutInMs);
  const bounded = tableDeadline(options.timeoutInMs);
  const row = (k: string) => encodeURIComponent(k);
  const get = async (k: string): Promise<KeyFingerprint | undefined> => {
    await ensureTable();
    try {
      const e = await bounded((o) => table.getEntity<FingerprintEntity>(partitionKey, row(k), o));
      return { fingerprint: e.fingerprint, observedAt: new Date(e.observedAt) };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw storageError(`read the key fingerprint of ${k}`, err);
    }
  };
  return {
    get,
    async record(k, fingerprint, now) {
      if ((await get(k))?.fingerprint === fingerprint) return;
      try {
        await bounded((o) =>
          table.upsertEntity<FingerprintEntity>(
            { partitionKey, rowKey: row(k), fingerprint, observedAt: now },
            'Replace',
            o,
          ),
        );
      } catch (err) {
        throw storageError(`record the key fingerprint of ${k}`, err);
      }
    },
  };
}
