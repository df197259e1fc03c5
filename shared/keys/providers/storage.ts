import { StorageManagementClient, type StorageAccount } from '@azure/arm-storage';
import { armClientOptions } from '../../arm/armClientOptions.ts';
import type { KeyProvider } from '../KeyProvider.ts';
import { callArm } from './callArm.ts';
import { dataPlaneDisabled } from './dataPlaneDisabled.ts';
import type { KeyProviderDeps } from './KeyProviderDeps.ts';
import { perSubscription } from '../../arm/perSubscription.ts';
import { assertKnownValues, needsKeys, pickValues, type ValueCatalogue } from './pickValues.ts';

/** ARM type served. */
export const storageResourceType = 'microsoft.storage/storageaccounts';

interface Fetched {
  readonly account: StorageAccount;
  readonly name: string;
  readonly key1?: string;
  readonly key2?: string;
}

type Endpoints = NonNullable<StorageAccount['primaryEndpoints']>;

const endpointLabels = [
  ['BlobEndpoint', 'blob'],
  ['QueueEndpoint', 'queue'],
  ['TableEndpoint', 'table'],
  ['FileEndpoint', 'file'],
] as const;

/**
 * A connection string the Storage SDKs accept, with the account's own endpoints spelled out (so it works in
 * sovereign clouds, with custom domains and against local emulators):
 * `DefaultEndpointsProtocol=https;AccountName=..;AccountKey=..;BlobEndpoint=..;QueueEndpoint=..;...`.
 * @param accountName - account name
 * @param key - account key
 * @param endpoints - the account's `primaryEndpoints`
 */
export function storageConnectionString(accountName: string, key: string, endpoints: Endpoints): string {
  const protocol = endpoints.blob?.startsWith('http://') ? 'http' : 'https';
  const parts = [`DefaultEndpointsProtocol=${protocol}`, `AccountName=${accountName}`, `AccountKey=${key}`];
  for (const [label, service] of endpointLabels) {
    const url = endpoints[service];
    if (url) parts.push(`${label}=${url.replace(/\/+$/, '')}`);
  }
  return parts.join(';');
}

const endpoint =
  (service: keyof Endpoints) =>
  ({ account }: Fetched): string | undefined => {
    const value = account.primaryEndpoints?.[service];
    return typeof value === 'string' ? value : undefined;
  };

const connectionString =
  (which: 'key1' | 'key2') =>
  (f: Fetched): string | undefined => {
    const key = f[which];
    return key && f.account.primaryEndpoints
      ? storageConnectionString(f.name, key, f.account.primaryEndpoints)
      : undefined;
  };

const catalogue: ValueCatalogue<Fetched> = {
  primaryKey: { needsKey: true, read: (f) => f.key1 },
  secondaryKey: { needsKey: true, read: (f) => f.key2 },
  accountName: { needsKey: false, read: (f) => f.name },
  blobEndpoint: { needsKey: false, read: endpoint('blob') },
  queueEndpoint: { needsKey: false, read: endpoint('queue') },
  tableEndpoint: { needsKey: false, read: endpoint('table') },
  fileEndpoint: { needsKey: false, read: endpoint('file') },
  dfsEndpoint: { needsKey: false, read: endpoint('dfs') },
  webEndpoint: { needsKey: false, read: endpoint('web') },
  primaryConnectionString: { needsKey: true, read: connectionString('key1') },
  secondaryConnectionString: { needsKey: true, read: connectionString('key2') },
};

/**
 * Key provider for Storage accounts. Reads the account (endpoints, `allowSharedKeyAccess`), then calls listKeys
 * only when a wanted value needs a key, after taking a write token from the rate limiter.
 * @param deps - ARM connection and write budget
 * @returns the provider
 */
export function createStorageKeyProvider(deps: KeyProviderDeps) {
  const clientFor = perSubscription(
    (subscriptionId) =>
      new StorageManagementClient(
        deps.connection.credential,
        subscriptionId,
        armClientOptions(deps.connection),
      ),
  );
  return {
    resourceType: storageResourceType,
    valueNames: Object.keys(catalogue),
    keyValueNames: ['primaryKey', 'secondaryKey'],
    needsKeys: (wanted: ReadonlySet<string>) => needsKeys(catalogue, wanted),
    async fetchValues(resource, wanted, options = {}) {
      assertKnownValues(catalogue, resource, wanted);
      const client = clientFor(resource.subscriptionId);
      const call = { connection: deps.connection, resourceId: resource.id, abortSignal: options.abortSignal };
      const account = await callArm({ ...call, action: 'Microsoft.Storage/storageAccounts/read' }, (o) =>
        client.storageAccounts.getProperties(resource.resourceGroup, resource.name, o),
      );
      const name = account.name ?? resource.name;
      if (!needsKeys(catalogue, wanted)) return pickValues(catalogue, resource, wanted, { account, name });
      if (account.allowSharedKeyAccess === false) {
        const refused = dataPlaneDisabled(resource, 'allowSharedKeyAccess=false');
        return pickValues(catalogue, resource, wanted, { account, name }, refused);
      }
      await deps.rateLimiter.acquire(resource.subscriptionId, options.abortSignal);
      const listed = await callArm(
        { ...call, action: 'Microsoft.Storage/storageAccounts/listKeys/action' },
        (o) => client.storageAccounts.listKeys(resource.resourceGroup, resource.name, o),
      );
      const keyNamed = (n: string) => listed.keys?.find((k) => k.keyName?.toLowerCase() === n)?.value;
      return pickValues(catalogue, resource, wanted, {
        account,
        name,
        key1: keyNamed('key1'),
        key2: keyNamed('key2'),
      });
    },
  } satisfies KeyProvider;
}
