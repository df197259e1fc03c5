import type { TableClient } from '@azure/data-tables';

import { createTableOnce, isNotFound, storageError } from '../tables/tableHelpers.ts';
import type { ClusterRegistration } from './ClusterRegistration.ts';
import { parseClusterRegistration } from './ClusterRegistration.ts';
import type { ClusterStore } from './ClusterStore.ts';

const partitionKey = 'cluster';

interface ClusterEntity {
  partitionKey: string;
  rowKey: string;
  aksResourceId?: string;
  kubeconfig?: string;
  allow: string;
}

/**
 * A {@link ClusterStore} in Azure Table storage: one entity per cluster (partition `cluster`, row key = name),
 * the allow-list as JSON. Creates the table on first use.
 * @param table - a client for the cluster table
 */
export function createTableClusterStore(table: TableClient): ClusterStore {
  const ensureTable = createTableOnce(table, 'cluster');

  return {
    async list() {
      await ensureTable();
      const out: ClusterRegistration[] = [];
      try {
        const filter = `PartitionKey eq '${partitionKey}'`;
        for await (const e of table.listEntities<ClusterEntity>({ queryOptions: { filter } }))
          out.push(fromEntity(e));
      } catch (err) {
        throw storageError('list registered clusters', err);
      }
      return out.sort((a, b) => a.name.localeCompare(b.name));
    },
    async get(name) {
      await ensureTable();
      try {
        return fromEntity(await table.getEntity<ClusterEntity>(partitionKey, name));
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw storageError(`read cluster ${name}`, err);
      }
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
        await table.upsertEntity(entity, 'Replace');
      } catch (err) {
        throw storageError(`register cluster ${r.name}`, err);
      }
    },
    async remove(name) {
      await ensureTable();
      try {
        await table.deleteEntity(partitionKey, name);
        return true;
      } catch (err) {
        if (isNotFound(err)) return false;
        throw storageError(`remove cluster ${name}`, err);
      }
    },
  };
}

function fromEntity(e: ClusterEntity): ClusterRegistration {
  return parseClusterRegistration({
    name: e.rowKey,
    allow: JSON.parse(e.allow) as unknown,
    ...(e.aksResourceId ? { aksResourceId: e.aksResourceId } : {}),
    ...(e.kubeconfig ? { kubeconfig: e.kubeconfig } : {}),
  });
}
