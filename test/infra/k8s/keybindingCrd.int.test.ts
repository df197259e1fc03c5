/**
 * The KeyBinding CRD on a real kube-apiserver: malformed specs are refused at admission (value names the
 * resource type does not provide, Secret data keys the apiserver would refuse on the Secret), and
 * `kubectl explain` documents the spec.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { KubeConfig } from '@kubernetes/client-node';
import { ApiextensionsV1Api, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';

import { applyManifests, waitForCrd } from '../../../testkit/applyManifests.ts';
import { catalogueOnlyRegistry } from '../../../scripts/crd/catalogueOnlyRegistry.ts';
import { valueNameRules } from '../../../scripts/crd/valueNameRules.ts';
import { adminKubeConfig, loadTestStack } from '../../support/testStack.ts';

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

/** The apiserver's message of a refused request (its Status object). */
async function refusal(request: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await request;
  } catch (err) {
    const e = err as { code?: number; body?: string };
    return {
      code: e.code ?? 0,
      message: (JSON.parse(e.body ?? '{}') as { message?: string }).message ?? '',
    };
  }
  throw new Error('the request was accepted');
}

const unique = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
const rg = '/subscriptions/s1/resourceGroups/rg/providers';

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

describe('KeyBinding CRD: value names', () => {
  // The built-in catalogues, the same the CRD rules were generated from.
  const registry = catalogueOnlyRegistry();
  const ids: Record<string, string> = {
    'microsoft.storage/storageaccounts': `${rg}/Microsoft.Storage/storageAccounts/st1`,
    'microsoft.documentdb/databaseaccounts': `${rg}/Microsoft.DocumentDB/databaseAccounts/cosmos1`,
    'microsoft.cache/redis': `${rg}/Microsoft.Cache/Redis/redis1`,
  };

  it('has one generated rule per resource type the service serves', () => {
    expect(Object.keys(ids).sort()).toEqual([...registry.resourceTypes]);
    expect(valueNameRules(registry)).toHaveLength(registry.resourceTypes.length);
  });

  it.each(Object.keys(ids))('accepts every value name of %s', async (type) => {
    const secrets = Object.fromEntries(
      registry.valueNamesFor(type).map((v) => [v, { name: 'all', key: v.toUpperCase() }]),
    );
    await expect(create(unique('all'), { resourceId: ids[type], secrets })).resolves.toBeDefined();
  });

  it.each([
    [
      'a Cosmos DB name on a Storage account',
      ids['microsoft.storage/storageaccounts'],
      'primaryMasterKey',
      'Microsoft.Storage/storageAccounts',
    ],
    [
      'a Storage name on a Cosmos DB account',
      ids['microsoft.documentdb/databaseaccounts'],
      'blobEndpoint',
      'Microsoft.DocumentDB/databaseAccounts',
    ],
    [
      'a Cosmos DB name on a Redis cache',
      ids['microsoft.cache/redis'],
      'documentEndpoint',
      'Microsoft.Cache/Redis',
    ],
    [
      'a misspelt name on a Storage account, its ID in other casing',
      `/SUBSCRIPTIONS/s1/resourcegroups/rg/PROVIDERS/microsoft.storage/STORAGEACCOUNTS/st1`,
      'primarykey',
      'microsoft.storage/STORAGEACCOUNTS',
    ],
  ])('refuses %s, listing the valid names', async (_label, resourceId, wrong, spelt) => {
    const { code, message } = await refusal(
      create(unique('wrong'), {
        resourceId,
        secrets: { primaryKey: { name: 'w', key: 'A' }, [wrong]: { name: 'w', key: 'B' } },
      }),
    );
    expect(code).toBe(422);
    const valid = registry.valueNamesFor(spelt).join(', ');
    expect(message).toContain(
      `spec.secrets: Invalid value: "object": ${spelt} provides only these value names: ${valid}`,
    );
  });

  it.each([
    ['an unsupported type', `${rg}/Microsoft.KeyVault/vaults/kv1`],
    ['a type whose name starts like a supported one', `${rg}/Microsoft.Cache/redisEnterprise/re1`],
  ])('leaves %s to the service (UnsupportedResourceType on the status)', async (_label, resourceId) => {
    await expect(
      create(unique('other'), { resourceId, secrets: { anything: { name: 'o', key: 'K' } } }),
    ).resolves.toBeDefined();
  });
});

describe('KeyBinding CRD: Secret data keys', () => {
  it.each(['.', '..', '..data'])(
    'refuses %p, which the apiserver refuses on the Secret itself',
    async (key) => {
      const onSecret = await refusal(
        kc.makeApiClient(CoreV1Api).createNamespacedSecret({
          namespace: ns,
          body: { metadata: { name: unique('s') }, stringData: { [key]: 'v' } },
        }),
      );
      expect(onSecret.code).toBe(422);
      const onBinding = await refusal(
        create(unique('dot'), { resourceId: id, secrets: { primaryKey: { name: 'd', key } } }),
      );
      expect(onBinding.code).toBe(422);
      expect(onBinding.message).toContain('spec.secrets[primaryKey].key');
      expect(onBinding.message).toContain("must not be '.' or start with '..'");
    },
  );

  it.each(['.env', 'a..b', 'tls.crt'])('accepts %p, as the apiserver does on a Secret', async (key) => {
    await expect(
      kc.makeApiClient(CoreV1Api).createNamespacedSecret({
        namespace: ns,
        body: { metadata: { name: unique('s') }, stringData: { [key]: 'v' } },
      }),
    ).resolves.toBeDefined();
    await expect(
      create(unique('dot'), { resourceId: id, secrets: { primaryKey: { name: 'd', key } } }),
    ).resolves.toBeDefined();
  });
});

describe('kubectl explain keybinding.spec', () => {
  const run = promisify(execFile);
  const stack = loadTestStack();
  const kubectl = stack.binariesDir ? join(stack.binariesDir, 'kubectl') : 'kubectl';
  let dir: string;
  let kubeconfig: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'explain-'));
    kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, kc.exportConfig(), { mode: 0o600 });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** kubectl explain, retried while the apiserver republishes its OpenAPI after the CRD was applied. */
  async function explain(field: string, expected: string): Promise<string> {
    let out = '';
    for (let i = 0; i < 60; i++) {
      out = (await run(kubectl, ['--kubeconfig', kubeconfig, 'explain', field])).stdout;
      if (out.includes(expected)) return out;
      await sleep(500);
    }
    return out;
  }

  it('describes the spec, its resource ID and its secrets', async () => {
    const out = await explain('keybinding.spec', 'Which Azure resource to read');
    expect(out).toMatch(/FIELD: spec <Object>\s+DESCRIPTION:\s+Which Azure resource to read/);
    expect(out).toMatch(/resourceId\s+<string> -required-\s+ARM ID of a Storage account/);
    expect(out).toMatch(/secrets\s+<map\[string\]Object> -required-\s+Value name \(e\.g\. primaryKey/);
  });

  it("describes each destination's name and key", async () => {
    const out = await explain('keybinding.spec.secrets', 'Where one value is written');
    expect(out).toMatch(/name\s+<string> -required-\s+Name of the Secret in this namespace/);
    expect(out).toMatch(/key\s+<string> -required-\s+Data key inside the Secret/);
  });
});
