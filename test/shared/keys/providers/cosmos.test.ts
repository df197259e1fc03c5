import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { CosmosDBManagementClient } from '@azure/arm-cosmosdb';
import { ArmSimulator } from '../../../../testkit/armSimulator/ArmSimulator.ts';
import { armClientOptions } from '../../../../shared/arm/armClientOptions.ts';
import { parseResourceId } from '../../../../shared/arm/parseResourceId.ts';
import { ErrorCode } from '../../../../shared/errors.ts';
import { cosmosConnectionString, createCosmosKeyProvider } from '../../../../shared/keys/providers/cosmos.ts';
import {
  countingRateLimiter,
  simulatorConnection,
  testSubscription as sub,
} from '../../arm/simulatorConnection.ts';

let sim: ArmSimulator;
let id: string;

beforeAll(async () => {
  sim = await ArmSimulator.start({ lroDurationInMs: 500 });
  id = sim.addCosmosAccount({ subscriptionId: sub, resourceGroup: 'rg-data', name: 'cosmos-app' });
});

afterAll(async () => {
  await sim.stop();
});

beforeEach(() => {
  sim.resetCalls();
});

function provider() {
  const limiter = countingRateLimiter();
  return {
    limiter,
    provider: createCosmosKeyProvider({ connection: simulatorConnection(sim), rateLimiter: limiter }),
  };
}

const keyCalls = () => sim.calls({ method: 'POST' }).map((c) => c.operation);

describe('cosmos key provider', () => {
  it('declares its type and catalogue', () => {
    const { provider: p } = provider();
    expect(p.resourceType).toBe('microsoft.documentdb/databaseaccounts');
    expect(p.valueNames).toEqual([
      'primaryMasterKey',
      'secondaryMasterKey',
      'primaryReadonlyMasterKey',
      'secondaryReadonlyMasterKey',
      'documentEndpoint',
      'primaryConnectionString',
      'secondaryConnectionString',
      'primaryReadonlyConnectionString',
      'secondaryReadonlyConnectionString',
    ]);
  });

  it('returns every value with one listKeys call', async () => {
    const { provider: p, limiter } = provider();
    const { values: values } = await p.fetchValues(parseResourceId(id), new Set(p.valueNames));
    const k = sim.keysOf(id);
    const endpoint = 'https://cosmos-app.documents.azure.com:443/';
    expect(Object.fromEntries(values)).toEqual({
      ...k,
      documentEndpoint: endpoint,
      primaryConnectionString: `AccountEndpoint=${endpoint};AccountKey=${k.primaryMasterKey};`,
      secondaryConnectionString: `AccountEndpoint=${endpoint};AccountKey=${k.secondaryMasterKey};`,
      primaryReadonlyConnectionString: `AccountEndpoint=${endpoint};AccountKey=${k.primaryReadonlyMasterKey};`,
      secondaryReadonlyConnectionString: `AccountEndpoint=${endpoint};AccountKey=${k.secondaryReadonlyMasterKey};`,
    });
    expect(keyCalls()).toEqual(['Microsoft.DocumentDB/databaseAccounts/listKeys/action']);
    expect(limiter.acquired).toEqual([sub]);
  });

  it('uses the read-only keys call when only read-only values are wanted', async () => {
    const { provider: p } = provider();
    const { values: values } = await p.fetchValues(
      parseResourceId(id),
      new Set(['primaryReadonlyMasterKey', 'secondaryReadonlyConnectionString', 'documentEndpoint']),
    );
    expect(values.get('primaryReadonlyMasterKey')).toBe(sim.keysOf(id).primaryReadonlyMasterKey);
    expect(values.size).toBe(3);
    expect(keyCalls()).toEqual(['Microsoft.DocumentDB/databaseAccounts/readonlykeys/action']);
  });

  it('makes no key call for the endpoint alone', async () => {
    const { provider: p, limiter } = provider();
    const { values: values } = await p.fetchValues(parseResourceId(id), new Set(['documentEndpoint']));
    expect(Object.fromEntries(values)).toEqual({
      documentEndpoint: 'https://cosmos-app.documents.azure.com:443/',
    });
    expect(keyCalls()).toEqual([]);
    expect(limiter.acquired).toEqual([]);
  });

  it('refuses keys with DataPlaneDisabled when local auth is disabled, without a key call', async () => {
    const disabled = sim.addCosmosAccount({
      subscriptionId: sub,
      resourceGroup: 'rg-data',
      name: 'cosmos-aad',
      disableLocalAuth: true,
    });
    const { provider: p } = provider();
    const { values, unavailable } = await p.fetchValues(
      parseResourceId(disabled),
      new Set(['primaryReadonlyMasterKey', 'documentEndpoint']),
    );
    expect(unavailable.get('primaryReadonlyMasterKey')).toMatchObject({
      code: ErrorCode.DataPlaneDisabled,
      retryable: false,
      message: expect.stringContaining('disableLocalAuth=true'),
    });
    expect(values.has('documentEndpoint')).toBe(true);
    expect(keyCalls()).toEqual([]);
  });

  it('sees the new key after a regenerateKey long-running operation completed', async () => {
    const { provider: p } = provider();
    const resource = parseResourceId(id);
    const { values: before } = await p.fetchValues(
      resource,
      new Set(['primaryMasterKey', 'secondaryMasterKey']),
    );
    const client = new CosmosDBManagementClient(
      simulatorConnection(sim).credential,
      sub,
      armClientOptions(simulatorConnection(sim)),
    );
    await client.databaseAccounts.regenerateKey(
      'rg-data',
      'cosmos-app',
      { keyKind: 'primary' },
      { updateIntervalInMs: 20 },
    );
    const { values: after } = await p.fetchValues(
      resource,
      new Set(['primaryMasterKey', 'secondaryMasterKey']),
    );
    expect(after.get('primaryMasterKey')).not.toBe(before.get('primaryMasterKey'));
    expect(after.get('primaryMasterKey')).toBe(sim.keysOf(id).primaryMasterKey);
    expect(after.get('secondaryMasterKey')).toBe(before.get('secondaryMasterKey'));
  });

  it('reads stale keys while the operation is still running (what the engine must retry)', async () => {
    const { provider: p } = provider();
    const resource = parseResourceId(id);
    const before = (await p.fetchValues(resource, new Set(['secondaryMasterKey']))).values.get(
      'secondaryMasterKey',
    );
    const done = sim.regenerateKey(id, 'secondary');
    expect(
      (await p.fetchValues(resource, new Set(['secondaryMasterKey']))).values.get('secondaryMasterKey'),
    ).toBe(before);
    await done;
    expect(
      (await p.fetchValues(resource, new Set(['secondaryMasterKey']))).values.get('secondaryMasterKey'),
    ).not.toBe(before);
  });

  it('formats connection strings for the Cosmos DB SDKs', () => {
    expect(cosmosConnectionString('https://a.documents.azure.com:443/', 'k==')).toBe(
      'AccountEndpoint=https://a.documents.azure.com:443/;AccountKey=k==;',
    );
  });
});
