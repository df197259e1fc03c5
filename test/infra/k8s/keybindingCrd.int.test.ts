/** The KeyBinding CRD on a real kube-apiserver: malformed specs are refused at admission. */
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from '@jest/globals';
import type { KubeConfig } from '@kubernetes/client-node';
import { ApiextensionsV1Api, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';

import { applyManifests, waitForCrd } from '../../../scripts/localstack/applyManifests.ts';
import { adminKubeConfig } from '../../support/testStack.ts';

const repo = new URL('../../../', import.meta.url).pathname;
const ns = `crd-${Date.now().toString(36)}`;
const id = '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st1';
let kc: KubeConfig;

const create = (name: string, spec: unknown) =>
  kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
    group: 'keysync.dev',
    version: 'v1alpha1',
    plural: 'keybindings',
    namespace: ns,
    body: { apiVersion: 'keysync.dev/v1alpha1', kind: 'KeyBinding', metadata: { name }, spec },
  });

beforeAll(async () => {
  kc = adminKubeConfig('cluster-a');
  await applyManifests(kc, join(repo, 'infra/k8s/keybinding-crd.yaml'));
  await waitForCrd(kc, 'keybindings.keysync.dev');
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
});

describe('KeyBinding CRD', () => {
  it('is stored with its schema intact (enum, CEL rule) and printer columns', async () => {
    const crd = await kc
      .makeApiClient(ApiextensionsV1Api)
      .readCustomResourceDefinition({ name: 'keybindings.keysync.dev' });
    const v = crd.spec.versions[0];
    expect(v?.additionalPrinterColumns?.map((c) => c.name)).toEqual([
      'Resource',
      'Ready',
      'Reason',
      'Last Sync',
      'Age',
      'Resource ID',
    ]);
    const schema = JSON.stringify(v?.schema);
    expect(schema).toContain('"enum":["True","False","Unknown"]');
    expect(schema).toContain('two values map to the same Secret name and key');
  });

  it('accepts a valid binding', async () => {
    await expect(
      create('ok', { resourceId: id, secrets: { primaryKey: { name: 'ok', key: 'KEY' } } }),
    ).resolves.toBeDefined();
  });

  it.each([
    ['no spec.secrets', { resourceId: id }],
    ['an empty mapping', { resourceId: id, secrets: {} }],
    [
      'a resource ID that is not an ARM ID',
      { resourceId: 'stOrders', secrets: { primaryKey: { name: 'a', key: 'K' } } },
    ],
    [
      'a Secret name that is not a DNS subdomain',
      { resourceId: id, secrets: { primaryKey: { name: 'Bad_Name', key: 'K' } } },
    ],
    ['a data key with a slash', { resourceId: id, secrets: { primaryKey: { name: 'a', key: 'a/b' } } }],
    ['a destination without key', { resourceId: id, secrets: { primaryKey: { name: 'a' } } }],
    [
      'two values mapped to one name and key',
      {
        resourceId: id,
        secrets: { primaryKey: { name: 'a', key: 'K' }, secondaryKey: { name: 'a', key: 'K' } },
      },
    ],
  ])('refuses %s with 422 Invalid', async (_label, spec) => {
    await expect(create(`bad-${Math.random().toString(36).slice(2, 8)}`, spec)).rejects.toMatchObject({
      code: 422,
    });
  });
});
