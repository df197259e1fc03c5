import type { TableClient } from '@azure/data-tables';
import pLimit from 'p-limit';

import type { TableCallOptions, TableStoreOptions } from '../tables/tableHelpers.ts';
import { createTableOnce, isNotFound, storageError, tableDeadline } from '../tables/tableHelpers.ts';
import type { BindingIndex, IndexEntry } from './BindingIndex.ts';
import { compareEntries } from './BindingIndex.ts';
import type { BindingRef } from './KeyBinding.ts';

interface ForwardEntity {
  partitionKey: string;
  rowKey: string;
  cluster: string;
  namespace: string;
  name: string;
}

interface ReverseEntity {
  partitionKey: string;
  rowKey: string;
  resourceKey: string;
}

/** Options of {@link createTableBindingIndex}. */
export interface TableBindingIndexOptions extends TableStoreOptions {
  /** Parallel writes when a cluster's entries are replaced. Default 16. */
  readonly concurrency?: number;
}

/**
 * A {@link BindingIndex} in Azure Table storage. Two kinds of entity in one table:
 * - forward, partition `r:<encoded resource key>`, row `<cluster>|<namespace>|<name>`: a lookup is one
 *   single-partition query;
 * - reverse, partition `c:<cluster>`, row `<namespace>|<name>`, holding the resource key: finds what to delete
 *   when a binding moves or disappears, and lists a cluster's entries in one query.
 * Every Table operation is bounded by `timeoutInMs` (a rebuild makes many, each with its own bound).
 * @param table - a client for the index table (created on first use)
 * @param options - operation bound, write concurrency
 */
export function createTableBindingIndex(
  table: TableClient,
  options: TableBindingIndexOptions = {},
): BindingIndex {
  const concurrency = options.concurrency ?? 16;
  const ensureTable = createTableOnce(table, 'binding index', options.timeoutInMs);
  const bounded = tableDeadline(options.timeoutInMs);
  const listAll = <T extends object>(filter: string) =>
    bounded(async (o) => {
      const out: T[] = [];
      for await (const e of table.listEntities<T>({ queryOptions: { filter }, ...o })) out.push(e);
      return out;
    });
  const run = async <T>(action: string, fn: () => Promise<T>): Promise<T> => {
    await ensureTable();
    try {
      return await fn();
    } catch (err) {
      throw storageError(action, err);
    }
  };

  const write = async (e: IndexEntry) => {
    const forward: ForwardEntity = {
      partitionKey: forwardPartition(e.resourceKey),
      rowKey: `${e.cluster}|${e.namespace}|${e.name}`,
      cluster: e.cluster,
      namespace: e.namespace,
      name: e.name,
    };
    const reverse: ReverseEntity = {
      partitionKey: `c:${e.cluster}`,
      rowKey: `${e.namespace}|${e.name}`,
      resourceKey: e.resourceKey,
    };
    await bounded((o) => table.upsertEntity(forward, 'Replace', o));
    await bounded((o) => table.upsertEntity(reverse, 'Replace', o));
  };
  const erase = async (ref: BindingRef, resourceKey: string) => {
    const forwardRow = `${ref.cluster}|${ref.namespace}|${ref.name}`;
    await bounded((o) => deleteIfExists(table, forwardPartition(resourceKey), forwardRow, o));
    await bounded((o) => deleteIfExists(table, `c:${ref.cluster}`, `${ref.namespace}|${ref.name}`, o));
  };
  const reverseOf = async (ref: BindingRef) => {
    try {
      return await bounded((o) =>
        table.getEntity<ReverseEntity>(`c:${ref.cluster}`, `${ref.namespace}|${ref.name}`, o),
      );
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };

  return {
    lookup: (resourceKey) =>
      run(`look up bindings of ${resourceKey}`, async () => {
        const filter = `PartitionKey eq '${escape(forwardPartition(resourceKey))}'`;
        return (await listAll<ForwardEntity>(filter))
          .map((e) => ({ resourceKey, cluster: e.cluster, namespace: e.namespace, name: e.name }))
          .sort(compareEntries);
      }),
    upsert: (entry) =>
      run(`index binding ${entry.cluster}/${entry.namespace}/${entry.name}`, async () => {
        const old = await reverseOf(entry);
        if (old && old.resourceKey !== entry.resourceKey) await erase(entry, old.resourceKey);
        if (!old || old.resourceKey !== entry.resourceKey) await write(entry);
      }),
    remove: (ref) =>
      run(`remove binding ${ref.cluster}/${ref.namespace}/${ref.name} from the index`, async () => {
        const old = await reverseOf(ref);
        if (old) await erase(ref, old.resourceKey);
      }),
    replaceCluster: (cluster, entries) =>
      run(`rebuild the index of cluster ${cluster}`, async () => {
        const filter = `PartitionKey eq '${escape(`c:${cluster}`)}'`;
        const current = new Map(
          (await listAll<ReverseEntity>(filter)).map((e) => [e.rowKey, e.resourceKey] as const),
        );
        const wanted = new Map(entries.map((e) => [`${e.namespace}|${e.name}`, e]));
        const limit = pLimit(concurrency);
        const jobs: Promise<void>[] = [];
        for (const [row, resourceKey] of current) {
          const keep = wanted.get(row);
          if (!keep || keep.resourceKey !== resourceKey) {
            const [namespace = '', name = ''] = row.split('|');
            jobs.push(limit(() => erase({ cluster, namespace, name }, resourceKey)));
          }
        }
        for (const [row, e] of wanted) {
          if (current.get(row) !== e.resourceKey) jobs.push(limit(() => write(e)));
        }
        await Promise.all(jobs);
      }),
  };
}

/** Table keys may not hold `/`, `\`, `#` or `?`: resource keys are percent-encoded. */
function forwardPartition(resourceKey: string): string {
  return `r:${encodeURIComponent(resourceKey)}`;
}

function escape(s: string): string {
  return s.replace(/'/g, "''");
}

async function deleteIfExists(
  table: TableClient,
  partitionKey: string,
  rowKey: string,
  options: TableCallOptions,
): Promise<void> {
  try {
    await table.deleteEntity(partitionKey, rowKey, options);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
