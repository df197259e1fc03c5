import type { TableClient } from '@azure/data-tables';

import type { TableStoreOptions } from '../tables/tableHelpers.ts';
import { createTableOnce, isNotFound, storageError, tableDeadline } from '../tables/tableHelpers.ts';
import { retryLostRaces } from '../retryLostRaces.ts';
import type { KeyLedger, KeySighting, RegenerateEvent } from './KeyLedger.ts';
import {
  announceRegeneration,
  appendSighting,
  defaultClockSkewInMs,
  judgeWithRegenerations,
} from './KeyLedger.ts';

interface LedgerEntity {
  partitionKey: string;
  rowKey: string;
  /** JSON array of {@link KeySighting}, oldest first. Hashes and times only. */
  history: string;
  /** JSON array of {@link RegenerateEvent}: regenerations announced by events, oldest first. */
  events?: string;
}

const partitionKey = 'keys';

/** Attempts of the read-judge-write loop when other processes append concurrently (each loses to one winner). */
const maxAttempts = 8;

/**
 * A {@link KeyLedger} in the binding index's table: one entity per resource (partition `keys`, row = encoded
 * resource key) holding its recent sightings. Appends are conditional on the entity's ETag (or on its absence),
 * so two processes that see two new states at once cannot both append: the loser re-reads and judges again.
 * @param table - the index table client (created on first use)
 * @param options - bound of each Table operation; clock skew tolerated between instances
 */
export function createTableKeyLedger(
  table: TableClient,
  options: TableStoreOptions & { readonly clockSkewInMs?: number } = {},
): KeyLedger {
  const clockSkewInMs = options.clockSkewInMs ?? defaultClockSkewInMs;
  const ensureTable = createTableOnce(table, 'binding index', options.timeoutInMs);
  const bounded = tableDeadline(options.timeoutInMs);
  const row = (k: string) => encodeURIComponent(k);

  const read = async (
    k: string,
  ): Promise<{ history: KeySighting[]; events: RegenerateEvent[]; etag?: string }> => {
    try {
      const e = await bounded((o) => table.getEntity<LedgerEntity>(partitionKey, row(k), o));
      return { history: parseHistory(e.history), events: parseEvents(e.events), etag: e.etag };
    } catch (err) {
      if (isNotFound(err)) return { history: [], events: [] };
      throw storageError(`read the key ledger of ${k}`, err);
    }
  };

  return {
    async observe(resourceKey, fingerprint, span, record, event) {
      await ensureTable();
      const recordError = (err: unknown) => storageError(`record a key sighting of ${resourceKey}`, err);
      try {
        return await retryLostRaces(maxAttempts, isLostRace, async () => {
          const { history, events: known, etag } = await read(resourceKey);
          const events = event ? announceRegeneration(known, event) : known;
          const verdict = judgeWithRegenerations({ history, events }, fingerprint, span, {
            clockSkewInMs,
            now: span.endedAt,
          });
          const announced = events.length !== known.length;
          if (!record || (verdict.kind !== 'new' && !announced)) return verdict;
          const entity: LedgerEntity = {
            partitionKey,
            rowKey: row(resourceKey),
            history: JSON.stringify(
              verdict.kind === 'new' ? appendSighting(history, verdict.sighting) : history,
            ),
            events: JSON.stringify(events),
          };
          try {
            if (etag) await bounded((o) => table.updateEntity(entity, 'Replace', { ...o, etag }));
            else await bounded((o) => table.createEntity(entity, o));
          } catch (err) {
            throw isLostRace(err) ? err : recordError(err);
          }
          return verdict;
        });
      } catch (err) {
        throw isLostRace(err) ? recordError(err) : err;
      }
    },
  };
}

/** A conditional write that lost to another process (ETag changed, or the entity was created meanwhile). */
function isLostRace(err: unknown): boolean {
  const status = (err as { statusCode?: number }).statusCode;
  return status === 412 || status === 409;
}

function parseHistory(json: string | undefined): KeySighting[] {
  if (!json) return [];
  try {
    const parsed = JSON.parse(json) as unknown;
    if (!Array.isArray(parsed)) return [];
    return parsed.filter(
      (s): s is KeySighting =>
        typeof (s as KeySighting).fingerprint === 'string' &&
        typeof (s as KeySighting).generation === 'number' &&
        typeof (s as KeySighting).readEndedAt === 'number',
    );
  } catch {
    // An unreadable ledger is a lost cache: start again (generations are times, so they stay above the old ones).
    return [];
  }
}

function parseEvents(json: string | undefined): RegenerateEvent[] {
  if (!json) return [];
  try {
    const parsed = JSON.parse(json) as unknown;
    if (!Array.isArray(parsed)) return [];
    return parsed.filter(
      (e): e is RegenerateEvent =>
        typeof (e as RegenerateEvent).id === 'string' && typeof (e as RegenerateEvent).at === 'number',
    );
  } catch {
    return [];
  }
}
