/**
 * The cluster registry on real Table storage (Azurite): registrations round-trip, and a malformed stored
 * entity is skipped by list() (named, with its problem, logged once) instead of failing every resync.
 */
import { randomUUID } from 'node:crypto';

import { beforeAll, describe, expect, it } from '@jest/globals';
import { TableClient } from '@azure/data-tables';

import { renderKubeconfig } from '../../../testkit/renderKubeconfig.ts';
import { createTableClusterStore } from '../../../shared/clusters/createTableClusterStore.ts';
import type { ClusterStore } from '../../../shared/clusters/ClusterStore.ts';
import { ErrorCode, ValidationError } from '../../../shared/errors.ts';
import { createJsonLogger } from '../../../shared/logging.ts';
import { loadTestStack } from '../../support/testStack.ts';

const aksId = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-1';
const allow = [{ namespaces: 'team-*', resourceIdPrefix: '/subscriptions/s/resourceGroups/rg' }];

const kubeconfig = renderKubeconfig({
  clusterName: 'dev',
  server: 'https://127.0.0.1:6443',
  caData: '',
  userName: 'keysync-service',
  token: 'not-a-real-token',
});

let table: TableClient;
let store: ClusterStore;
const logLines: string[] = [];

beforeAll(async () => {
  table = TableClient.fromConnectionString(
    loadTestStack().azurite?.connectionString ?? '',
    `clusters${randomUUID().replace(/-/g, '').slice(0, 12)}`,
    { allowInsecureConnection: true },
  );
  store = createTableClusterStore(table, {
    logger: createJsonLogger((_level, line) => logLines.push(line)),
  });
  await store.upsert({ name: 'good-aks', aksResourceId: aksId, allow });
  await store.upsert({ name: 'good-kube', kubeconfig, allow: [] });
  // Written around the store, as an operator's hand edit or an older version could have.
  await table.upsertEntity({ partitionKey: 'cluster', rowKey: 'bad-json', kubeconfig: 'x', allow: '[{' });
  await table.upsertEntity({ partitionKey: 'cluster', rowKey: 'no-target', allow: '[]' });
  await table.upsertEntity({
    partitionKey: 'cluster',
    rowKey: 'bad-rule',
    aksResourceId: aksId,
    allow: JSON.stringify([{ namespaces: 'Team_A', resourceIdPrefix: '/nope' }]),
  });
});

describe('createTableClusterStore', () => {
  it('lists the readable registrations and names each unreadable one with its problem', async () => {
    const list = await store.list();
    expect([...list]).toEqual([
      { name: 'good-aks', aksResourceId: aksId, allow },
      { name: 'good-kube', kubeconfig, allow: [] },
    ]);
    expect(list.invalid.map((i) => i.name)).toEqual(['bad-json', 'bad-rule', 'no-target']);
    for (const { name, error } of list.invalid) {
      expect(error).toBeInstanceOf(ValidationError);
      expect([error.code, error.retryable]).toEqual([ErrorCode.InvalidInput, false]);
      expect(error.message).toContain(`stored cluster registration '${name}' is invalid`);
      expect(error.details).toEqual({ cluster: name });
    }
    const problems = Object.fromEntries(list.invalid.map((i) => [i.name, i.error.message]));
    expect(problems['bad-json']).toContain('allow: is not JSON');
    expect(problems['no-target']).toContain('give exactly one of aksResourceId and kubeconfig');
    expect(problems['bad-rule']).toContain('must be a namespace name or glob');
    expect(problems['bad-rule']).toContain('must start with /subscriptions/<id>');
  });

  it('logs each unreadable registration once, with its row key and problem, however often it is listed', async () => {
    await store.list();
    await store.list();
    const lines = logLines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.cluster).sort()).toEqual(['bad-json', 'bad-rule', 'no-target']);
    for (const l of lines) {
      expect(l).toMatchObject({ level: 'error', errorCode: ErrorCode.InvalidInput, retryable: false });
      expect(l.errorMessage).toContain(`'${String(l.cluster)}'`);
    }
  });

  it('reads one unreadable registration as a clear, non-retryable error naming it', async () => {
    await expect(store.get('bad-json')).rejects.toMatchObject({
      code: ErrorCode.InvalidInput,
      retryable: false,
      message: expect.stringContaining("stored cluster registration 'bad-json' is invalid"),
    });
    await expect(store.get('good-aks')).resolves.toEqual({ name: 'good-aks', aksResourceId: aksId, allow });
    await expect(store.get('never-registered')).resolves.toBeUndefined();
  });

  it('lists it again once it is re-registered', async () => {
    await store.upsert({ name: 'bad-json', kubeconfig, allow: [] });
    const list = await store.list();
    expect(list.map((r) => r.name)).toEqual(['bad-json', 'good-aks', 'good-kube']);
    expect(list.invalid.map((i) => i.name)).toEqual(['bad-rule', 'no-target']);
    expect(await store.remove('bad-json')).toBe(true);
    expect(await store.remove('bad-json')).toBe(false);
  });
});
