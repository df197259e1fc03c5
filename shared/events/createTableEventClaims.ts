import type { TableClient } from '@azure/data-tables';
import { odata } from '@azure/data-tables';
import pLimit from 'p-limit';

import {
  createTableOnce,
  isNotFound,
  statusOf,
  storageError,
  tableDeadline,
} from '../tables/tableHelpers.ts';
import { retryLostRaces } from '../retryLostRaces.ts';
import type { ClaimResult, EventClaim, EventClaims, EventClaimTimes } from './EventClaims.ts';
import { claimRowKey, defaultClaimLeaseInMs, defaultClaimRetentionInMs } from './EventClaims.ts';

interface ClaimEntity {
  partitionKey: string;
  rowKey: string;
  state: 'in-progress' | 'done';
  /** End of the lease (in progress) or of the retention (done): afterwards the claim means nothing. */
  expiresAt: Date;
  /** The event ID as delivered (up to 256 characters), for people reading the table. */
  eventId: string;
}

/** Options of {@link createTableEventClaims}. */
export interface TableEventClaimsOptions extends EventClaimTimes {
  /** Deadline of each Table call (default: tableHelpers' default). */
  readonly timeoutInMs?: number;
  /** A sweep runs at most this often per process (default 1 h); other calls return 0 at once. */
  readonly sweepEveryInMs?: number;
  /** Most claims one sweep deletes (default 100): a sweep runs on the event path and must stay short. */
  readonly sweepLimit?: number;
}

const partitionKey = 'events';
/** Attempts when claims race (a takeover or release between our reads and writes); then report in-progress. */
const maxRounds = 3;
/** Thrown by a claim round that lost a race (the entity changed or went away meanwhile): go again. */
const raced = new Error('claim raced');

/**
 * {@link EventClaims} in the binding index's table, partition `events`, one row per event ID. A claim is
 * created with `createEntity` (409 = someone has it); an expired one is taken over with an ETag-conditional
 * update (412 = someone else took it first); release is an ETag-conditional delete. Every call has a deadline.
 * @param table - the index table client (created on first use)
 * @param options - lease, retention, timeouts, sweep cadence
 */
export function createTableEventClaims(
  table: TableClient,
  options: TableEventClaimsOptions = {},
): EventClaims {
  const ensureTable = createTableOnce(table, 'binding index', options.timeoutInMs);
  const lease = options.leaseInMs ?? defaultClaimLeaseInMs;
  const retention = options.retentionInMs ?? defaultClaimRetentionInMs;
  const sweepEvery = options.sweepEveryInMs ?? 3_600_000;
  const sweepLimit = options.sweepLimit ?? 100;
  const bounded = tableDeadline(options.timeoutInMs);
  let lastSweep = Number.NEGATIVE_INFINITY;

  const entity = (eventId: string, state: ClaimEntity['state'], expiresAt: Date): ClaimEntity => ({
    partitionKey,
    rowKey: claimRowKey(eventId),
    state,
    expiresAt,
    eventId: eventId.slice(0, 256),
  });
  const claimed = (eventId: string, etag: string | undefined, takenOver: boolean): ClaimResult => ({
    status: 'claimed',
    claim: { eventId, takenOver, token: etag ?? '*' },
  });

  /** One round: create, or read what is there and take it over if it expired. Throws `raced` to go again. */
  const round = async (eventId: string, now: Date): Promise<ClaimResult> => {
    const fresh = entity(eventId, 'in-progress', new Date(now.getTime() + lease));
    try {
      return claimed(eventId, (await bounded((o) => table.createEntity(fresh, o))).etag, false);
    } catch (err) {
      if (statusOf(err) !== 409) throw err;
    }
    let seen;
    try {
      seen = await bounded((o) => table.getEntity<ClaimEntity>(partitionKey, fresh.rowKey, o));
    } catch (err) {
      if (isNotFound(err)) throw raced; // released meanwhile
      throw err;
    }
    const until = new Date(seen.expiresAt);
    if (until > now) return { status: seen.state === 'done' ? 'done' : 'in-progress', until };
    const etag = seen.etag;
    try {
      const res = await bounded((o) => table.updateEntity(fresh, 'Replace', { etag, ...o }));
      return claimed(eventId, res.etag, true);
    } catch (err) {
      if (statusOf(err) === 412 || isNotFound(err)) throw raced; // taken over or released meanwhile
      throw err;
    }
  };

  return {
    async claim(eventId, now) {
      await ensureTable();
      try {
        return await retryLostRaces(
          maxRounds,
          (err) => err === raced,
          () => round(eventId, now),
        );
      } catch (err) {
        // Raced every round: another instance is busy with the event.
        if (err === raced) return { status: 'in-progress', until: now };
        throw storageError(`claim event ${eventId.slice(0, 64)}`, err);
      }
    },
    async complete(claim, now) {
      await ensureTable();
      try {
        // Unconditional: whoever holds the claim now, the event's work is done.
        await bounded((o) =>
          table.upsertEntity(
            entity(claim.eventId, 'done', new Date(now.getTime() + retention)),
            'Replace',
            o,
          ),
        );
      } catch (err) {
        throw storageError(`mark event ${claim.eventId.slice(0, 64)} handled`, err);
      }
    },
    async release(claim: EventClaim) {
      await ensureTable();
      try {
        await bounded((o) =>
          table.deleteEntity(partitionKey, claimRowKey(claim.eventId), { etag: claim.token, ...o }),
        );
      } catch (err) {
        // Gone, or taken over by another invocation (which now owns it): nothing of ours to release.
        if (isNotFound(err) || statusOf(err) === 412) return;
        throw storageError(`release the claim on event ${claim.eventId.slice(0, 64)}`, err);
      }
    },
    async sweep(now) {
      if (now.getTime() - lastSweep < sweepEvery) return 0;
      lastSweep = now.getTime();
      await ensureTable();
      try {
        const expired = await bounded(async (o) => {
          const found: Array<{ rowKey: string; etag: string }> = [];
          const pages = table
            .listEntities<ClaimEntity>({
              queryOptions: {
                filter: odata`PartitionKey eq ${partitionKey} and expiresAt lt ${now}`,
                select: ['RowKey'],
              },
              ...o,
            })
            .byPage({ maxPageSize: sweepLimit });
          for await (const page of pages) {
            for (const e of page) found.push({ rowKey: e.rowKey ?? '', etag: e.etag });
            break;
          }
          return found;
        });
        const limit = pLimit(8);
        const deleted = await Promise.all(
          expired.slice(0, sweepLimit).map((e) =>
            limit(async () => {
              try {
                await bounded((o) => table.deleteEntity(partitionKey, e.rowKey, { etag: e.etag, ...o }));
                return true;
              } catch (err) {
                if (isNotFound(err) || statusOf(err) === 412) return false; // gone or claimed again meanwhile
                throw err;
              }
            }),
          ),
        );
        return deleted.filter(Boolean).length;
      } catch (err) {
        throw storageError('delete expired event claims', err);
      }
    },
  };
}
