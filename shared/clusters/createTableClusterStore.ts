import type { TableClient } from '@azure/data-tables';

import { ErrorCode, isKeySyncError, KeySyncError, ValidationError } from '../errors.ts';
import type { Logger } from '../logging.ts';
import { createJsonLogger, errorFields } from '../logging.ts';
import type { TableStoreOptions } from '../tables/tableHelpers.ts';
import { createTableOnce, isNotFound, storageError, tableDeadline } from '../tables/tableHelpers.ts';
import type { ClusterRegistration } from './ClusterRegistration.ts';
import { parseClusterRegistration } from './ClusterRegistration.ts';
import type { ClusterStore, InvalidRegistration } from './ClusterStore.ts';
import { clusterList } from './ClusterStore.ts';

const partitionKey = 'cluster';

interface ClusterEntity {
  partitionKey: string;
  rowKey: string;
  aksResourceId?: unknown;
  kubeconfig?: unknown;
  allow?: unknown;
}

/** Options of {@link createTableClusterStore}. */
export interface TableClusterStoreOptions extends TableStoreOptions {
  /**
   * Where an unreadable stored registration is reported, once per process for each distinct problem (the
   * store outlives every invocation, so it has no invocation logger). Default: JSON lines on stderr.
   */
  readonly logger?: Logger;
}

/**
 * A {@link ClusterStore} in Azure Table storage: one entity per cluster (partition `cluster`, row key = name),
 * the allow-list as JSON. Creates the table on first use. Every operation is bounded by `timeoutInMs`.
 * @param table - a client for the cluster table
 * @param options - operation bound, logger for unreadable entities
 */
export function createTableClusterStore(
  table: TableClient,
  options: TableClusterStoreOptions = {},
): ClusterStore {
  const ensureTable = createTableOnce(table, 'cluster', options.timeoutInMs);
  const bounded = tableDeadline(options.timeoutInMs);
  const logger = options.logger ?? createJsonLogger();
  const reported = new Set<string>();
  const reportOnce = (bad: InvalidRegistration) => {
    const key = `${bad.name}\n${bad.error.message}`;
    if (reported.has(key)) return;
    reported.add(key);
    logger.error(
      { cluster: bad.name, ...errorFields(bad.error) },
      'stored cluster registration is invalid and is skipped',
    );
  };

  return {
    async list() {
      await ensureTable();
      let entities: ClusterEntity[];
      try {
        const filter = `PartitionKey eq '${partitionKey}'`;
        entities = await bounded(async (o) => {
          const out: ClusterEntity[] = [];
          for await (const e of table.listEntities<ClusterEntity>({ queryOptions: { filter }, ...o }))
            out.push(e);
          return out;
        });
      } catch (err) {
        throw storageError('list registered clusters', err);
      }
      const good: ClusterRegistration[] = [];
      const invalid: InvalidRegistration[] = [];
      for (const e of entities) {
        try {
          good.push(fromEntity(e));
        } catch (err) {
          const bad = { name: e.rowKey, error: asKeySyncError(err) };
          reportOnce(bad);
          invalid.push(bad);
        }
      }
      return clusterList(good, invalid);
    },
    async get(name) {
      await ensureTable();
      let entity: ClusterEntity;
      try {
        entity = await bounded((o) => table.getEntity<ClusterEntity>(partitionKey, name, o));
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw storageError(`read cluster ${name}`, err);
      }
      return fromEntity(entity);
    },
    async upsert(r) {
      await ensureTable();
      const entity: ClusterEntity = {
        partitionKey,
        rowKey: r.name,
        allow: JSON.stringify(r.allow),
        ...(r.aksResourceId ? { aksResourceId: r.aksResourceId } : {}),
        ...(r.kubeconfig ? { kubeconfig: r.kubeconfig } : {}),
      };
      try {
        await bounded((o) => table.upsertEntity(entity, 'Replace', o));
      } catch (err) {
        throw storageError(`register cluster ${r.name}`, err);
      }
    },
    async remove(name) {
      await ensureTable();
      try {
        await bounded((o) => table.deleteEntity(partitionKey, name, o));
        return true;
      } catch (err) {
        if (isNotFound(err)) return false;
        throw storageError(`remove cluster ${name}`, err);
      }
    },
  };
}

/**
 * Reads a stored entity back into a registration.
 * @throws ValidationError (`InvalidInput`) naming the row and every problem
 */
function fromEntity(e: ClusterEntity): ClusterRegistration {
  const invalid = (problems: readonly string[]) =>
    new ValidationError(
      ErrorCode.InvalidInput,
      `stored cluster registration '${e.rowKey}' is invalid: ${problems.join('; ')}; ` +
        're-register the cluster (PUT /api/clusters) or remove it (DELETE /api/clusters/<name>)',
      problems,
      { details: { cluster: e.rowKey } },
    );
  let allow: unknown = [];
  if (e.allow !== undefined) {
    try {
      if (typeof e.allow !== 'string') throw new TypeError('not a string');
      allow = JSON.parse(e.allow) as unknown;
    } catch {
      throw invalid(['allow: is not JSON']);
    }
  }
  try {
    return parseClusterRegistration({
      name: e.rowKey,
      allow,
      ...(e.aksResourceId !== undefined ? { aksResourceId: e.aksResourceId } : {}),
      ...(e.kubeconfig !== undefined ? { kubeconfig: e.kubeconfig } : {}),
    });
  } catch (err) {
    throw invalid(err instanceof ValidationError ? err.problems : ['unreadable']);
  }
}

function asKeySyncError(err: unknown): KeySyncError {
  return isKeySyncError(err)
    ? err
    : new KeySyncError(ErrorCode.Internal, 'unexpected error reading a stored registration', { cause: err });
}
