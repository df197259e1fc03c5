import type { TableClient } from '@azure/data-tables';
import pLimit from 'p-limit';

import { createTableOnce, isNotFound, storageError } from '../tables/tableHelpers.ts';
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

/**
 * A {@link BindingIndex} in Azure Table storage. Two kinds of entity in one table:
 * - forward, partition `r:<encoded resource key>`, row `<cluster>|<namespace>|<name>`: a lookup is one
 *   single-partition query;
 * - reverse, partition `c:<cluster>`, row `<namespace>|<name>`, holding the resource key: finds what to delete
 *   when a binding moves or disappears, and lists a cluster's entries in one query.
 * @param table - a client for the index table (created on first use)
 * @param concurrency - parallel writes when a cluster's entries are replaced
 */
export function createTableBindingIndex(table: TableClient, concurrency = 16): BindingIndex {
  const ensureTable = createTableOnce(table, 'binding index');
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
    await table.upsertEntity(forward, 'Replace');
    await table.upsertEntity(reverse, 'Replace');
  };
  const erase = async (ref: BindingRef, resourceKey: string) => {
    await deleteIfExists(table, forwardPartition(resourceKey), `${ref.cluster}|${ref.namespace}|${ref.name}`);
    await deleteIfExists(table, `c:${ref.cluster}`, `${ref.namespace}|${ref.name}`);
  };
  const reverseOf = async (ref: BindingRef) => {
    try {
      return await table.getEntity<ReverseEntity>(`c:${ref.cluster}`, `${ref.namespace}|${ref.name}`);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };

  return {
    lookup: (resourceKey) =>
      run(`look up bindings of ${resourceKey}`, async () => {
        const out: IndexEntry[] = [];
        const filter = `PartitionKey eq '${escape(forwardPartition(resourceKey))}'`;
        for await (const e of table.listEntities<ForwardEntity>({ queryOptions: { filter } })) {
          out.push({ resourceKey, cluster: e.cluster, namespace: e.namespace, name: e.name });
        }
        return out.sort(compareEntries);
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
        const current = new Map<string, string>();
        const filter = `PartitionKey eq '${escape(`c:${cluster}`)}'`;
        for await (const e of table.listEntities<ReverseEntity>({ queryOptions: { filter } })) {
          current.set(e.rowKey, e.resourceKey);
        }
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

async function deleteIfExists(table: TableClient, partitionKey: string, rowKey: string): Promise<void> {
  try {
    await table.deleteEntity(partitionKey, rowKey);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
