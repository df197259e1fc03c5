/** The binding index on real Azure Table storage (Azurite). */
import { randomUUID } from 'node:crypto';

import { describe, expect, it } from '@jest/globals';
import { TableClient } from '@azure/data-tables';

import { createTableBindingIndex } from '../../../shared/bindings/createTableBindingIndex.ts';
import { loadTestStack } from '../../support/testStack.ts';

const id = (n: string) =>
  `/subscriptions/s/resourcegroups/rg/providers/microsoft.storage/storageaccounts/${n}`;
const newIndex = () =>
  createTableBindingIndex(
    TableClient.fromConnectionString(
      loadTestStack().azurite?.connectionString ?? '',
      `idx${randomUUID().slice(0, 8)}`,
      {
        allowInsecureConnection: true,
      },
    ),
  );

describe('createTableBindingIndex', () => {
  it('finds every binding of a resource across clusters in one lookup', async () => {
    const index = newIndex();
    await index.upsert({ cluster: 'b', namespace: 'n', name: 'x', resourceKey: id('st1') });
    await index.upsert({ cluster: 'a', namespace: 'n', name: 'y', resourceKey: id('st1') });
    await index.upsert({ cluster: 'a', namespace: 'n', name: 'z', resourceKey: id('st2') });
    expect((await index.lookup(id('st1'))).map((e) => `${e.cluster}/${e.name}`)).toEqual(['a/y', 'b/x']);
    expect(await index.lookup(id('nothing'))).toEqual([]);
  });

  it('moves a binding whose resource changed and forgets a removed one', async () => {
    const index = newIndex();
    await index.upsert({ cluster: 'a', namespace: 'n', name: 'x', resourceKey: id('st1') });
    await index.upsert({ cluster: 'a', namespace: 'n', name: 'x', resourceKey: id('st2') });
    expect(await index.lookup(id('st1'))).toEqual([]);
    expect(await index.lookup(id('st2'))).toHaveLength(1);
    await index.remove({ cluster: 'a', namespace: 'n', name: 'x' });
    await index.remove({ cluster: 'a', namespace: 'n', name: 'never-there' });
    expect(await index.lookup(id('st2'))).toEqual([]);
  });

  it('replaces one cluster’s entries exactly, leaving other clusters alone', async () => {
    const index = newIndex();
    await index.upsert({ cluster: 'a', namespace: 'n', name: 'gone', resourceKey: id('st1') });
    await index.upsert({ cluster: 'a', namespace: 'n', name: 'moved', resourceKey: id('st1') });
    await index.upsert({ cluster: 'b', namespace: 'n', name: 'other', resourceKey: id('st1') });
    await index.replaceCluster('a', [
      { cluster: 'a', namespace: 'n', name: 'moved', resourceKey: id('st2') },
      { cluster: 'a', namespace: 'm', name: 'new', resourceKey: id('st1') },
    ]);
    expect((await index.lookup(id('st1'))).map((e) => `${e.cluster}/${e.namespace}/${e.name}`)).toEqual([
      'a/m/new',
      'b/n/other',
    ]);
    expect((await index.lookup(id('st2'))).map((e) => e.name)).toEqual(['moved']);
  });
});
