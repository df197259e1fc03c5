import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse as parseYaml } from 'yaml';
import { ArmSimulator } from '../../../testkit/armSimulator/ArmSimulator.ts';
import { rawArmRequest } from './rawArmRequest.ts';

const sub = '11111111-2222-3333-4444-555555555555';
const token = 'keysync';
let sim: ArmSimulator;
let storageId: string;
let cosmosId: string;
let redisId: string;
let clusterId: string;

const api = (path: string, version = '2025-06-01') => `${path}?api-version=${version}`;

beforeAll(async () => {
  sim = await ArmSimulator.start({ tokens: { 'token-of-ops': 'ops' } });
  storageId = sim.addStorageAccount({ subscriptionId: sub, resourceGroup: 'rg-apps', name: 'stapp' });
  cosmosId = sim.addCosmosAccount({ subscriptionId: sub, resourceGroup: 'rg-apps', name: 'cosmos-app' });
  redisId = sim.addRedisCache({ subscriptionId: sub, resourceGroup: 'rg-apps', name: 'redis-app' });
  clusterId = sim.addManagedCluster({
    id: `/subscriptions/${sub}/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks1`,
    server: 'https://127.0.0.1:6443',
    caPem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
  });
});

afterAll(async () => {
  await sim.stop();
});

describe('ArmSimulator authentication and request checks', () => {
  it('answers 401 AuthenticationFailed without a bearer token', async () => {
    const res = await rawArmRequest(sim, api(storageId));
    expect(res.status).toBe(401);
    expect(res.json).toEqual({
      error: {
        code: 'AuthenticationFailed',
        message: "Authentication failed. The 'Authorization' header is missing.",
      },
    });
    expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
  });

  it('answers 401 for a malformed Authorization header', async () => {
    const res = await rawArmRequest(sim, api(storageId), { authorization: 'Basic abc' });
    expect(res.status).toBe(401);
    expect((res.json as { error: { code: string } }).error.code).toBe('AuthenticationFailed');
  });

  it('answers 400 MissingApiVersionParameter without api-version', async () => {
    const res = await rawArmRequest(sim, storageId, { token });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      error: {
        code: 'MissingApiVersionParameter',
        message: 'The api-version query parameter (?api-version=) is required for all requests.',
      },
    });
  });

  it('accepts any api-version and sends ARM headers', async () => {
    const res = await rawArmRequest(sim, api(storageId, '1999-01-01'), {
      token,
      headers: { 'x-ms-correlation-request-id': 'corr-1' },
    });
    expect(res.status).toBe(200);
    expect(res.headers['x-ms-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers['x-ms-correlation-request-id']).toBe('corr-1');
    expect(Number(res.headers['x-ms-ratelimit-remaining-subscription-reads'])).toBeGreaterThan(0);
  });
});

describe('ArmSimulator resources', () => {
  it('serves a storage account with endpoints and without keys', async () => {
    const res = await rawArmRequest(sim, api(storageId), { token });
    const body = res.json as { id: string; type: string; properties: Record<string, unknown> };
    expect(body.id).toBe(storageId);
    expect(body.type).toBe('Microsoft.Storage/storageAccounts');
    expect(body.properties.primaryEndpoints).toEqual({
      blob: 'https://stapp.blob.core.windows.net/',
      queue: 'https://stapp.queue.core.windows.net/',
      table: 'https://stapp.table.core.windows.net/',
      file: 'https://stapp.file.core.windows.net/',
      web: 'https://stapp.z6.web.core.windows.net/',
      dfs: 'https://stapp.dfs.core.windows.net/',
    });
    expect(body.properties).not.toHaveProperty('allowSharedKeyAccess');
    for (const key of sim.keyValues()) expect(res.text).not.toContain(key);
  });

  it('treats resource IDs case-insensitively and logs the stored casing', async () => {
    sim.resetCalls();
    const res = await rawArmRequest(sim, api(storageId.toUpperCase() + '/LISTKEYS'), {
      token,
      method: 'POST',
    });
    expect(res.status).toBe(200);
    expect(sim.calls()).toEqual([
      expect.objectContaining({
        principal: token,
        method: 'POST',
        operation: 'Microsoft.Storage/storageAccounts/listKeys/action',
        resourceId: storageId,
        status: 200,
      }),
    ]);
  });

  it('lists storage keys in ARM shape, 88 base64 characters each', async () => {
    const res = await rawArmRequest(sim, api(`${storageId}/listKeys`), { token, method: 'POST' });
    const { keys } = res.json as {
      keys: { keyName: string; value: string; permissions: string; creationTime: string }[];
    };
    expect(keys.map((k) => k.keyName)).toEqual(['key1', 'key2']);
    for (const k of keys) {
      expect(k.value).toMatch(/^[A-Za-z0-9+/]{86}==$/);
      expect(k.permissions).toBe('FULL');
      expect(Number.isNaN(Date.parse(k.creationTime))).toBe(false);
    }
    expect(keys[0]?.value).toBe(sim.keysOf(storageId).key1);
    expect(Number(res.headers['x-ms-ratelimit-remaining-subscription-writes'])).toBeGreaterThan(0);
  });

  it('regenerates one storage key synchronously and returns the new keys', async () => {
    const before = sim.keysOf(storageId);
    const res = await rawArmRequest(sim, api(`${storageId}/regenerateKey`), {
      token,
      method: 'POST',
      body: { keyName: 'key2' },
    });
    expect(res.status).toBe(200);
    const after = sim.keysOf(storageId);
    expect(after.key1).toBe(before.key1);
    expect(after.key2).not.toBe(before.key2);
    expect((res.json as { keys: { value: string }[] }).keys[1]?.value).toBe(after.key2);
    expect(sim.keyValues()).toEqual(expect.arrayContaining([before.key2, after.key2]));
  });

  it('keeps every key value each key held, in order (the generation is the index)', async () => {
    const first = sim.keysOf(storageId);
    const key2Before = sim.keyHistory(storageId).key2;
    await sim.regenerateKey(storageId, 'key1');
    const second = sim.keysOf(storageId);
    await sim.regenerateKey(storageId, 'primary');
    const history = sim.keyHistory(storageId.toUpperCase());
    expect(history.key1?.slice(-3)).toEqual([first.key1, second.key1, sim.keysOf(storageId).key1]);
    expect(history.key2).toEqual(key2Before);
    expect(history.key2?.at(-1)).toBe(first.key2);
  });

  it('rejects an unknown key name with 400', async () => {
    const res = await rawArmRequest(sim, api(`${storageId}/regenerateKey`), {
      token,
      method: 'POST',
      body: { keyName: 'key3' },
    });
    expect(res.status).toBe(400);
    expect((res.json as { error: { code: string } }).error.code).toBe('InvalidRequestPropertyValue');
  });

  it('serves Cosmos DB reads and key lists, read-only keys also by GET', async () => {
    const get = (await rawArmRequest(sim, api(cosmosId), { token })).json as {
      properties: Record<string, unknown>;
    };
    expect(get.properties.documentEndpoint).toBe('https://cosmos-app.documents.azure.com:443/');
    expect(get.properties.disableLocalAuth).toBe(false);
    const all = (await rawArmRequest(sim, api(`${cosmosId}/listKeys`), { token, method: 'POST' })).json;
    expect(all).toEqual(sim.keysOf(cosmosId));
    const expectedRo = {
      primaryReadonlyMasterKey: sim.keysOf(cosmosId).primaryReadonlyMasterKey,
      secondaryReadonlyMasterKey: sim.keysOf(cosmosId).secondaryReadonlyMasterKey,
    };
    expect(
      (await rawArmRequest(sim, api(`${cosmosId}/readonlykeys`), { token, method: 'POST' })).json,
    ).toEqual(expectedRo);
    expect((await rawArmRequest(sim, api(`${cosmosId}/readonlykeys`), { token })).json).toEqual(expectedRo);
    for (const v of Object.values(sim.keysOf(cosmosId))) expect(v).toHaveLength(88);
  });

  it('lists Cosmos DB connection strings', async () => {
    const res = await rawArmRequest(sim, api(`${cosmosId}/listConnectionStrings`), { token, method: 'POST' });
    const { connectionStrings } = res.json as {
      connectionStrings: { connectionString: string; keyKind: string }[];
    };
    expect(connectionStrings.map((c) => c.keyKind)).toEqual([
      'Primary',
      'Secondary',
      'PrimaryReadonly',
      'SecondaryReadonly',
    ]);
    expect(connectionStrings[0]?.connectionString).toBe(
      `AccountEndpoint=https://cosmos-app.documents.azure.com:443/;AccountKey=${sim.keysOf(cosmosId).primaryMasterKey};`,
    );
  });

  it('serves Redis host, ports, keys of 44 characters, and a synchronous regenerate', async () => {
    const get = (await rawArmRequest(sim, api(redisId, '2024-11-01'), { token })).json as {
      type: string;
      properties: Record<string, unknown>;
    };
    expect(get.type).toBe('Microsoft.Cache/Redis');
    expect(get.properties).toMatchObject({
      hostName: 'redis-app.redis.cache.windows.net',
      port: 6379,
      sslPort: 6380,
      enableNonSslPort: false,
    });
    const keys = (await rawArmRequest(sim, api(`${redisId}/listKeys`), { token, method: 'POST' })).json;
    expect(keys).toEqual(sim.keysOf(redisId));
    expect(sim.keysOf(redisId).primaryKey).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    const before = sim.keysOf(redisId);
    const regen = await rawArmRequest(sim, api(`${redisId}/regenerateKey`), {
      token,
      method: 'POST',
      body: { keyType: 'Secondary' },
    });
    expect(regen.status).toBe(200);
    expect(sim.keysOf(redisId).primaryKey).toBe(before.primaryKey);
    expect(sim.keysOf(redisId).secondaryKey).not.toBe(before.secondaryKey);
  });

  it('returns an Entra-ID user kubeconfig: server and CA, an exec stub as user', async () => {
    const res = await rawArmRequest(sim, api(`${clusterId}/listClusterUserCredential`), {
      token,
      method: 'POST',
    });
    const { kubeconfigs } = res.json as { kubeconfigs: { name: string; value: string }[] };
    expect(kubeconfigs).toHaveLength(1);
    expect(kubeconfigs[0]?.name).toBe('clusterUser');
    const config = parseYaml(Buffer.from(kubeconfigs[0]?.value ?? '', 'base64').toString('utf8')) as {
      clusters: { cluster: Record<string, string> }[];
      users: { user: { exec?: { command: string }; token?: string } }[];
    };
    expect(config.clusters[0]?.cluster.server).toBe('https://127.0.0.1:6443');
    expect(
      Buffer.from(config.clusters[0]?.cluster['certificate-authority-data'] ?? '', 'base64').toString(),
    ).toContain('BEGIN CERTIFICATE');
    expect(config.users[0]?.user.exec?.command).toBe('kubelogin');
    expect(config.users[0]?.user.token).toBeUndefined();
  });

  it('refuses admin credentials as a cluster without local accounts does', async () => {
    const res = await rawArmRequest(sim, api(`${clusterId}/listClusterAdminCredential`), {
      token,
      method: 'POST',
    });
    expect(res.status).toBe(400);
    expect((res.json as { error: { message: string } }).error.message).toMatch(/disable local accounts/);
  });
});

describe('ArmSimulator errors', () => {
  it('answers 404 ResourceNotFound with ARM wording', async () => {
    const res = await rawArmRequest(
      sim,
      api(
        `/subscriptions/${sub}/resourceGroups/rg-apps/providers/Microsoft.Storage/storageAccounts/nope/listKeys`,
      ),
      { token, method: 'POST' },
    );
    expect(res.status).toBe(404);
    expect(res.json).toEqual({
      error: {
        code: 'ResourceNotFound',
        message:
          "The Resource 'Microsoft.Storage/storageAccounts/nope' under resource group 'rg-apps' was not found. " +
          'For more details please go to https://aka.ms/ARMResourceNotFoundFix',
      },
    });
  });

  it('answers 404 ResourceGroupNotFound for an unknown group', async () => {
    const res = await rawArmRequest(
      sim,
      api(`/subscriptions/${sub}/resourceGroups/rg-none/providers/Microsoft.Storage/storageAccounts/stapp`),
      { token },
    );
    expect(res.status).toBe(404);
    expect(res.json).toEqual({
      error: { code: 'ResourceGroupNotFound', message: "Resource group 'rg-none' could not be found." },
    });
  });

  it('answers 403 AuthorizationFailed for a denied action, naming principal, action and scope', async () => {
    sim.denyActions('ops', ['Microsoft.Storage/storageAccounts/listKeys/action']);
    try {
      const denied = await rawArmRequest(sim, api(`${storageId}/listKeys`), {
        token: 'token-of-ops',
        method: 'POST',
      });
      expect(denied.status).toBe(403);
      const { error } = denied.json as { error: { code: string; message: string } };
      expect(error.code).toBe('AuthorizationFailed');
      expect(error.message).toMatch(
        new RegExp(
          "^The client 'ops' with object id '[0-9a-f-]{36}' does not have authorization to perform action " +
            `'Microsoft.Storage/storageAccounts/listKeys/action' over scope '${storageId}' or the scope is invalid\\.`,
        ),
      );
      // Reads stay allowed, and other principals are unaffected.
      expect((await rawArmRequest(sim, api(storageId), { token: 'token-of-ops' })).status).toBe(200);
      expect((await rawArmRequest(sim, api(`${storageId}/listKeys`), { token, method: 'POST' })).status).toBe(
        200,
      );
    } finally {
      sim.clearDeniedActions();
    }
  });

  it('denies by prefix pattern', async () => {
    sim.denyActions('ops', ['Microsoft.DocumentDB/*']);
    try {
      expect((await rawArmRequest(sim, api(cosmosId), { token: 'token-of-ops' })).status).toBe(403);
      expect((await rawArmRequest(sim, api(storageId), { token: 'token-of-ops' })).status).toBe(200);
    } finally {
      sim.clearDeniedActions('ops');
    }
  });

  it('refuses GET on a POST action and unknown types', async () => {
    expect((await rawArmRequest(sim, api(`${storageId}/listKeys`), { token })).status).toBe(404);
    const unknownType = await rawArmRequest(
      sim,
      api(`/subscriptions/${sub}/resourceGroups/rg-apps/providers/Microsoft.Storage/widgets/w`),
      { token },
    );
    expect(unknownType.status).toBe(400);
    expect((unknownType.json as { error: { code: string } }).error.code).toBe('InvalidResourceType');
  });
});

describe('ArmSimulator writes', () => {
  it('creates with PUT, updates the key-auth flag, deletes with DELETE', async () => {
    const id = `/subscriptions/${sub}/resourceGroups/rg-apps/providers/Microsoft.Storage/storageAccounts/stput`;
    const created = await rawArmRequest(sim, api(id), {
      token,
      method: 'PUT',
      body: { location: 'northeurope', properties: { allowSharedKeyAccess: false } },
    });
    expect(created.status).toBe(201);
    expect((created.json as { properties: Record<string, unknown> }).properties.allowSharedKeyAccess).toBe(
      false,
    );
    sim.setKeyAuthentication(id, true);
    const read = (await rawArmRequest(sim, api(id), { token })).json as {
      location: string;
      properties: Record<string, unknown>;
    };
    expect(read.location).toBe('northeurope');
    expect(read.properties.allowSharedKeyAccess).toBe(true);
    expect((await rawArmRequest(sim, api(id), { token, method: 'DELETE' })).status).toBe(200);
    expect((await rawArmRequest(sim, api(id), { token })).status).toBe(404);
    expect((await rawArmRequest(sim, api(id), { token, method: 'DELETE' })).status).toBe(204);
  });
});
