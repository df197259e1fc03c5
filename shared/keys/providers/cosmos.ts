import { CosmosDBManagementClient, type DatabaseAccountListKeysResult } from '@azure/arm-cosmosdb';
import { armClientOptions } from '../../arm/armClientOptions.ts';
import type { KeyProvider } from '../KeyProvider.ts';
import { callArm } from './callArm.ts';
import { dataPlaneDisabled } from './dataPlaneDisabled.ts';
import type { KeyProviderDeps } from './KeyProviderDeps.ts';
import { perSubscription } from '../../arm/perSubscription.ts';
import { assertKnownValues, needsKeys, pickValues, type ValueCatalogue } from './pickValues.ts';

/** ARM type served. */
export const cosmosResourceType = 'microsoft.documentdb/databaseaccounts';

interface Fetched {
  readonly documentEndpoint: string | undefined;
  readonly keys: DatabaseAccountListKeysResult;
}

type KeyName = keyof DatabaseAccountListKeysResult;

/**
 * The connection string of the Cosmos DB SDKs (NoSQL API): `AccountEndpoint=<documentEndpoint>;AccountKey=<key>;`.
 * @param documentEndpoint - the account's `documentEndpoint`
 * @param key - a master or read-only key
 */
export function cosmosConnectionString(documentEndpoint: string, key: string): string {
  return `AccountEndpoint=${documentEndpoint};AccountKey=${key};`;
}

const key = (name: KeyName) => (f: Fetched) => f.keys[name];
const connectionString = (name: KeyName) => (f: Fetched) => {
  const k = f.keys[name];
  return k && f.documentEndpoint ? cosmosConnectionString(f.documentEndpoint, k) : undefined;
};

const catalogue: ValueCatalogue<Fetched> = {
  primaryMasterKey: { needsKey: true, read: key('primaryMasterKey') },
  secondaryMasterKey: { needsKey: true, read: key('secondaryMasterKey') },
  primaryReadonlyMasterKey: { needsKey: true, read: key('primaryReadonlyMasterKey') },
  secondaryReadonlyMasterKey: { needsKey: true, read: key('secondaryReadonlyMasterKey') },
  documentEndpoint: { needsKey: false, read: (f) => f.documentEndpoint },
  primaryConnectionString: { needsKey: true, read: connectionString('primaryMasterKey') },
  secondaryConnectionString: { needsKey: true, read: connectionString('secondaryMasterKey') },
  primaryReadonlyConnectionString: { needsKey: true, read: connectionString('primaryReadonlyMasterKey') },
  secondaryReadonlyConnectionString: { needsKey: true, read: connectionString('secondaryReadonlyMasterKey') },
};

/** Values served by the read-only keys call (which needs only `readonlykeys/action`). */
const readonlyValues = new Set([
  'documentEndpoint',
  'primaryReadonlyMasterKey',
  'secondaryReadonlyMasterKey',
  'primaryReadonlyConnectionString',
  'secondaryReadonlyConnectionString',
]);

/**
 * Key provider for Cosmos DB accounts. Reads the account (`documentEndpoint`, `disableLocalAuth`), then, only
 * when a wanted value needs a key and after taking a write token: the read-only keys call when only read-only
 * values are wanted, listKeys otherwise.
 * @param deps - ARM connection and write budget
 * @returns the provider
 */
export function createCosmosKeyProvider(deps: KeyProviderDeps) {
  const clientFor = perSubscription(
    (subscriptionId) =>
      new CosmosDBManagementClient(
        deps.connection.credential,
        subscriptionId,
        armClientOptions(deps.connection),
      ),
  );
  return {
    resourceType: cosmosResourceType,
    valueNames: Object.keys(catalogue),
    regenerationEventPrecedesChange: true,
    keyValueNames: [
      'primaryMasterKey',
      'secondaryMasterKey',
      'primaryReadonlyMasterKey',
      'secondaryReadonlyMasterKey',
    ],
    needsKeys: (wanted: ReadonlySet<string>) => needsKeys(catalogue, wanted),
    async fetchValues(resource, wanted, options = {}) {
      assertKnownValues(catalogue, resource, wanted);
      const accounts = clientFor(resource.subscriptionId).databaseAccounts;
      const call = { connection: deps.connection, resourceId: resource.id, abortSignal: options.abortSignal };
      const { resourceGroup: rg, name } = resource;
      const account = await callArm({ ...call, action: 'Microsoft.DocumentDB/databaseAccounts/read' }, (o) =>
        accounts.get(rg, name, o),
      );
      const documentEndpoint = account.documentEndpoint;
      if (!needsKeys(catalogue, wanted))
        return pickValues(catalogue, resource, wanted, { documentEndpoint, keys: {} });
      if (account.disableLocalAuth === true) {
        const refused = dataPlaneDisabled(resource, 'disableLocalAuth=true');
        return pickValues(catalogue, resource, wanted, { documentEndpoint, keys: {} }, refused);
      }
      await deps.rateLimiter.acquire(resource.subscriptionId, options.abortSignal);
      const readonlyOnly = [...wanted].every((w) => readonlyValues.has(w));
      const keys: DatabaseAccountListKeysResult = readonlyOnly
        ? await callArm(
            { ...call, action: 'Microsoft.DocumentDB/databaseAccounts/readonlykeys/action' },
            (o) => accounts.listReadOnlyKeys(rg, name, o),
          )
        : await callArm({ ...call, action: 'Microsoft.DocumentDB/databaseAccounts/listKeys/action' }, (o) =>
            accounts.listKeys(rg, name, o),
          );
      return pickValues(catalogue, resource, wanted, { documentEndpoint, keys });
    },
  } satisfies KeyProvider;
}
