import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { TableClient } from '@azure/data-tables';
import { loadTestStack } from '../support/testStack.ts';

describe('Azurite started by the integration global set-up', () => {
  it('creates a table, upserts an entity and reads it back', async () => {
    const azurite = loadTestStack().azurite;
    if (!azurite) throw new Error('the test stack has no Azurite');
    expect(azurite.tableEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1$/);
    const tableName = `azint${randomBytes(4).toString('hex')}`;
    const table = TableClient.fromConnectionString(azurite.connectionString, tableName, {
      allowInsecureConnection: true,
    });
    await table.createTable();
    try {
      await table.upsertEntity({ partitionKey: 'cluster-a', rowKey: 'binding-1', generation: 3 }, 'Replace');
      await table.upsertEntity({ partitionKey: 'cluster-a', rowKey: 'binding-1', generation: 4 }, 'Merge');
      const entity = await table.getEntity<{ generation: number }>('cluster-a', 'binding-1');
      expect(entity.generation).toBe(4);
      const listed: string[] = [];
      for await (const e of table.listEntities({ queryOptions: { filter: "PartitionKey eq 'cluster-a'" } })) {
        listed.push(e.rowKey ?? '');
      }
      expect(listed).toEqual(['binding-1']);
    } finally {
      await table.deleteTable();
    }
  });
});
