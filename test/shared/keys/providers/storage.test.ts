import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { TableClient } from '@azure/data-tables';
import { ArmSimulator, staticTokenCredential } from '../../../../testkit/armSimulator/ArmSimulator.ts';
import { parseResourceId } from '../../../../shared/arm/parseResourceId.ts';
import { SubscriptionRateLimiter } from '../../../../shared/arm/SubscriptionRateLimiter.ts';
import { ErrorCode, KeySyncError, ValidationError } from '../../../../shared/errors.ts';
import type { KeyProviderDeps } from '../../../../shared/keys/providers/KeyProviderDeps.ts';
import {
  createStorageKeyProvider,
  storageConnectionString,
} from '../../../../shared/keys/providers/storage.ts';
import {
  countingRateLimiter,
  simulatorConnection,
  testSubscription as sub,
} from '../../arm/simulatorConnection.ts';

let sim: ArmSimulator;
let id: string;

beforeAll(async () => {
  sim = await ArmSimulator.start();
  id = sim.addStorageAccount({ subscriptionId: sub, resourceGroup: 'rg-apps', name: 'stapp' });
});

afterAll(async () => {
  await sim.stop();
});

beforeEach(() => {
  sim.resetCalls();
  sim.setThrottling(undefined);
});

function provider<L extends KeyProviderDeps['rateLimiter']>(limiter: L) {
  return {
    limiter,
    provider: createStorageKeyProvider({ connection: simulatorConnection(sim), rateLimiter: limiter }),
  };
}

const listKeysCalls = () => sim.calls({ operation: 'Microsoft.Storage/storageAccounts/listKeys/action' });

describe('storage key provider', () => {
  it('declares its type and catalogue', () => {
    const { provider: p } = provider(countingRateLimiter());
    expect(p.resourceType).toBe('microsoft.storage/storageaccounts');
    expect(p.valueNames).toEqual([
      'primaryKey',
      'secondaryKey',
      'accountName',
      'blobEndpoint',
      'queueEndpoint',
      'tableEndpoint',
      'fileEndpoint',
      'dfsEndpoint',
      'webEndpoint',
      'primaryConnectionString',
      'secondaryConnectionString',
    ]);
  });

  it('returns every value of the catalogue, keys as ARM has them', async () => {
    const { provider: p, limiter } = provider(countingRateLimiter());
    const { values: values } = await p.fetchValues(parseResourceId(id), new Set(p.valueNames));
    const keys = sim.keysOf(id);
    const endpoints =
      'BlobEndpoint=https://stapp.blob.core.windows.net;QueueEndpoint=https://stapp.queue.core.windows.net;' +
      'TableEndpoint=https://stapp.table.core.windows.net;FileEndpoint=https://stapp.file.core.windows.net';
    expect(Object.fromEntries(values)).toEqual({
      primaryKey: keys.key1,
      secondaryKey: keys.key2,
      accountName: 'stapp',
      blobEndpoint: 'https://stapp.blob.core.windows.net/',
      queueEndpoint: 'https://stapp.queue.core.windows.net/',
      tableEndpoint: 'https://stapp.table.core.windows.net/',
      fileEndpoint: 'https://stapp.file.core.windows.net/',
      dfsEndpoint: 'https://stapp.dfs.core.windows.net/',
      webEndpoint: 'https://stapp.z6.web.core.windows.net/',
      primaryConnectionString: `DefaultEndpointsProtocol=https;AccountName=stapp;AccountKey=${keys.key1};${endpoints}`,
      secondaryConnectionString: `DefaultEndpointsProtocol=https;AccountName=stapp;AccountKey=${keys.key2};${endpoints}`,
    });
    expect(listKeysCalls()).toHaveLength(1);
    expect(limiter.acquired).toEqual([sub]);
  });

  it('returns exactly the wanted values', async () => {
    const { provider: p } = provider(countingRateLimiter());
    const { values: values } = await p.fetchValues(
      parseResourceId(id),
      new Set(['secondaryKey', 'blobEndpoint']),
    );
    expect([...values.keys()].sort()).toEqual(['blobEndpoint', 'secondaryKey']);
  });

  it('makes no listKeys call and takes no token when only endpoints are wanted', async () => {
    const { provider: p, limiter } = provider(countingRateLimiter());
    const { values: values } = await p.fetchValues(
      parseResourceId(id),
      new Set(['accountName', 'blobEndpoint', 'dfsEndpoint']),
    );
    expect(values.size).toBe(3);
    expect(listKeysCalls()).toHaveLength(0);
    expect(sim.calls({ operation: 'Microsoft.Storage/storageAccounts/read' })).toHaveLength(1);
    expect(limiter.acquired).toEqual([]);
  });

  it('produces connection strings the Storage SDKs parse', async () => {
    const { provider: p } = provider(countingRateLimiter());
    const { values: values } = await p.fetchValues(parseResourceId(id), new Set(['primaryConnectionString']));
    const client = TableClient.fromConnectionString(values.get('primaryConnectionString') ?? '', 'orders');
    expect(client.url).toBe('https://stapp.table.core.windows.net');
    expect(client.tableName).toBe('orders');
  });

  it('spells out custom endpoints, and http for a local emulator', () => {
    const cs = storageConnectionString('devstoreaccount1', 'a2V5', {
      blob: 'http://127.0.0.1:10000/devstoreaccount1',
      table: 'http://127.0.0.1:10002/devstoreaccount1/',
    });
    expect(cs).toBe(
      'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;' +
        'BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1',
    );
  });

  it('refuses keys with DataPlaneDisabled when shared key access is off, without calling listKeys', async () => {
    const disabled = sim.addStorageAccount({
      subscriptionId: sub,
      resourceGroup: 'rg-apps',
      name: 'stnokeys',
      allowSharedKeyAccess: false,
    });
    const { provider: p, limiter } = provider(countingRateLimiter());
    const { values, unavailable } = await p.fetchValues(
      parseResourceId(disabled),
      new Set(['primaryConnectionString', 'blobEndpoint']),
    );
    const err = unavailable.get('primaryConnectionString');
    expect(err).toBeInstanceOf(KeySyncError);
    expect(err).toMatchObject({ code: ErrorCode.DataPlaneDisabled, retryable: false });
    expect(err?.message).toContain(disabled);
    expect(err?.message).toContain('allowSharedKeyAccess=false');
    expect(listKeysCalls()).toHaveLength(0);
    expect(limiter.acquired).toEqual([]);
    // Endpoints stay available for Entra ID clients, in the same fetch.
    expect(values.get('blobEndpoint')).toBe('https://stnokeys.blob.core.windows.net/');
    expect(values.has('primaryConnectionString')).toBe(false);
  });

  it('reports a value the account does not have as an InvalidBinding for that value only', async () => {
    const blobOnly = sim.addStorageAccount({
      subscriptionId: sub,
      resourceGroup: 'rg-apps',
      name: stName('blobonly'),
      primaryEndpoints: { blob: 'https://blobonly.blob.core.windows.net/' },
    });
    const { provider: p } = provider(countingRateLimiter());
    const { values, unavailable } = await p.fetchValues(
      parseResourceId(blobOnly),
      new Set(['queueEndpoint', 'primaryKey']),
    );
    expect(unavailable.get('queueEndpoint')).toMatchObject({
      code: ErrorCode.InvalidBinding,
      retryable: false,
    });
    expect(values.get('primaryKey')).toBe(sim.keysOf(blobOnly).key1);
    expect(unavailable.size).toBe(1);
  });

  it('rejects value names outside the catalogue', async () => {
    const { provider: p } = provider(countingRateLimiter());
    const err = await p
      .fetchValues(parseResourceId(id), new Set(['primaryKey', 'masterKey']))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).message).toContain("'masterKey'");
    expect(sim.calls()).toHaveLength(0);
  });

  it('creates one client per subscription and reuses it', async () => {
    const credential = staticTokenCredential('keysync-test');
    const p = createStorageKeyProvider({
      connection: simulatorConnection(sim, { credential }),
      rateLimiter: countingRateLimiter(),
    });
    const otherSub = '99999999-2222-3333-4444-555555555555';
    const other = sim.addStorageAccount({ subscriptionId: otherSub, resourceGroup: 'rg', name: 'stother' });
    await p.fetchValues(parseResourceId(id), new Set(['primaryKey']));
    await p.fetchValues(parseResourceId(id.toUpperCase()), new Set(['primaryKey']));
    expect(credential.scopesRequested).toHaveLength(1);
    await p.fetchValues(parseResourceId(other), new Set(['primaryKey']));
    expect(credential.scopesRequested).toHaveLength(2);
  });

  it('with the real rate limiter, stays inside ARM write budget: no 429 in a burst of fetches', async () => {
    sim.setThrottling({ writes: { burst: 2, refillPerSecond: 10 } });
    // Below ARM's refill, leaving headroom: buckets that start at different instants must not race.
    const limiter = new SubscriptionRateLimiter({ burst: 2, refillPerSecond: 5 });
    const { provider: p } = provider(limiter);
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 5 }, () => p.fetchValues(parseResourceId(id), new Set(['primaryKey']))),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
    expect(listKeysCalls().map((c) => c.status)).toEqual([200, 200, 200, 200, 200]);
  });
});

let counter = 0;
function stName(prefix: string): string {
  counter += 1;
  return `${prefix}${counter}`;
}
