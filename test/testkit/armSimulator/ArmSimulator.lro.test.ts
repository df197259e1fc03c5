import { afterEach, describe, expect, it } from '@jest/globals';
import { CosmosDBManagementClient } from '@azure/arm-cosmosdb';
import { ArmSimulator, staticTokenCredential } from '../../../testkit/armSimulator/ArmSimulator.ts';
import { rawArmRequest } from './rawArmRequest.ts';

const sub = '11111111-2222-3333-4444-555555555555';
let sim: ArmSimulator | undefined;

afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Cosmos DB regenerateKey as a long-running operation', () => {
  it('answers 202 with absolute Azure-AsyncOperation and Location URLs; keys change only on completion', async () => {
    sim = await ArmSimulator.start({ lroDurationInMs: 700 });
    const id = sim.addCosmosAccount({ subscriptionId: sub, resourceGroup: 'rg', name: 'cos' });
    const before = sim.keysOf(id);
    const res = await rawArmRequest(sim, `${id}/regenerateKey?api-version=2025-10-15`, {
      token: 'keysync',
      method: 'POST',
      body: { keyKind: 'secondary' },
    });
    expect(res.status).toBe(202);
    expect(res.json).toEqual({});
    const statusUrl = String(res.headers['azure-asyncoperation']);
    const resultUrl = String(res.headers.location);
    expect(
      statusUrl.startsWith(`${sim.url}/subscriptions/${sub}/providers/Microsoft.DocumentDB/locations/`),
    ).toBe(true);
    expect(statusUrl).toContain('/operationsStatus/');
    expect(statusUrl).toContain('api-version=2025-10-15');
    expect(resultUrl).toContain('/operationResults/');

    const poll = async (url: string) =>
      rawArmRequest(sim as ArmSimulator, url.slice(sim!.url.length), { token: 'keysync' });
    expect(((await poll(statusUrl)).json as { status: string }).status).toBe('InProgress');
    expect((await poll(resultUrl)).status).toBe(202);
    expect(sim.keysOf(id)).toEqual(before);

    await sleep(800);
    const done = (await poll(statusUrl)).json as { status: string; endTime?: string };
    expect(done.status).toBe('Succeeded');
    expect(done.endTime).toBeDefined();
    expect((await poll(resultUrl)).status).toBe(200);
    const after = sim.keysOf(id);
    expect(after.secondaryMasterKey).not.toBe(before.secondaryMasterKey);
    expect(after.primaryMasterKey).toBe(before.primaryMasterKey);
  });

  it('records the new key in the key history only when the operation completes (Cosmos DB and Redis names)', async () => {
    sim = await ArmSimulator.start({ lroDurationInMs: 10 });
    const id = sim.addCosmosAccount({ subscriptionId: sub, resourceGroup: 'rg', name: 'cos' });
    const redis = sim.addRedisCache({ subscriptionId: sub, resourceGroup: 'rg', name: 'cache' });
    const before = sim.keysOf(id);
    await sim.regenerateKey(id, 'primaryReadonly');
    await sim.regenerateKey(redis, 'Secondary');
    const history = sim.keyHistory(id);
    expect(history.primaryReadonlyMasterKey).toEqual([
      before.primaryReadonlyMasterKey,
      sim.keysOf(id).primaryReadonlyMasterKey,
    ]);
    expect(history.primaryMasterKey).toHaveLength(1);
    expect(sim.keyHistory(redis).secondaryKey).toHaveLength(2);
    expect(sim.keyHistory(redis).secondaryKey?.at(-1)).toBe(sim.keysOf(redis).secondaryKey);
  });

  it('rejects an unknown keyKind at once, without starting an operation', async () => {
    sim = await ArmSimulator.start({ lroDurationInMs: 10 });
    const id = sim.addCosmosAccount({ subscriptionId: sub, resourceGroup: 'rg', name: 'cos' });
    const res = await rawArmRequest(sim, `${id}/regenerateKey?api-version=2025-10-15`, {
      token: 'keysync',
      method: 'POST',
      body: { keyKind: 'tertiary' },
    });
    expect(res.status).toBe(400);
    expect(res.headers['azure-asyncoperation']).toBeUndefined();
  });

  it('is awaited by the real SDK poller, which then sees the new key', async () => {
    sim = await ArmSimulator.start({ lroDurationInMs: 100 });
    sim.addCosmosAccount({ subscriptionId: sub, resourceGroup: 'rg', name: 'cos' });
    const client = new CosmosDBManagementClient(staticTokenCredential('keysync'), sub, {
      endpoint: sim.url,
      tlsOptions: { ca: sim.caPem },
    });
    const before = await client.databaseAccounts.listKeys('rg', 'cos');
    await client.databaseAccounts.regenerateKey(
      'rg',
      'cos',
      { keyKind: 'primaryReadonly' },
      { updateIntervalInMs: 20 },
    );
    const after = await client.databaseAccounts.listKeys('rg', 'cos');
    expect(after.primaryReadonlyMasterKey).not.toBe(before.primaryReadonlyMasterKey);
    expect(after.primaryMasterKey).toBe(before.primaryMasterKey);
    const polls = sim.calls({ operation: 'Microsoft.DocumentDB/locations/operationsStatus/read' });
    expect(polls.length).toBeGreaterThanOrEqual(2);
  });

  it('raises the event at acceptance by default, before the key changed', async () => {
    sim = await ArmSimulator.start({ lroDurationInMs: 500 });
    const id = sim.addCosmosAccount({ subscriptionId: sub, resourceGroup: 'rg', name: 'cos' });
    const before = sim.keysOf(id).primaryMasterKey;
    const seenAtDelivery: (string | undefined)[] = [];
    sim.subscribeEvents({ handler: () => void seenAtDelivery.push(sim?.keysOf(id).primaryMasterKey) });
    const regenerated = sim.regenerateKey(id, 'primary');
    await sim.waitForDeliveries();
    expect(seenAtDelivery).toEqual([before]);
    await regenerated;
    expect(sim.keysOf(id).primaryMasterKey).not.toBe(before);
  });

  it('can raise the event at completion instead', async () => {
    sim = await ArmSimulator.start({ lroDurationInMs: 100, cosmosRegenerateEventAt: 'completed' });
    const id = sim.addCosmosAccount({ subscriptionId: sub, resourceGroup: 'rg', name: 'cos' });
    const before = sim.keysOf(id).primaryMasterKey;
    const seenAtDelivery: (string | undefined)[] = [];
    sim.subscribeEvents({ handler: () => void seenAtDelivery.push(sim?.keysOf(id).primaryMasterKey) });
    const res = await rawArmRequest(sim, `${id}/regenerateKey?api-version=2025-10-15`, {
      token: 'keysync',
      method: 'POST',
      body: { keyKind: 'primary' },
    });
    expect(res.status).toBe(202);
    expect(sim.publishedEvents()).toHaveLength(0);
    await sim.waitForDeliveries();
    expect(seenAtDelivery).toHaveLength(1);
    expect(seenAtDelivery[0]).not.toBe(before);
    expect(sim.publishedEvents()[0]?.data.operationName).toBe(
      'Microsoft.DocumentDB/databaseAccounts/regenerateKey/action',
    );
  });
});
