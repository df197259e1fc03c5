import { RedisManagementClient, type RedisAccessKeys, type RedisResource } from '@azure/arm-rediscache';
import { armClientOptions } from '../../arm/armClientOptions.ts';
import type { KeyProvider } from '../KeyProvider.ts';
import { callArm } from './callArm.ts';
import { dataPlaneDisabled } from './dataPlaneDisabled.ts';
import type { KeyProviderDeps } from './KeyProviderDeps.ts';
import { perSubscription } from '../../arm/perSubscription.ts';
import { assertKnownValues, needsKeys, pickValues, type ValueCatalogue } from './pickValues.ts';

/** ARM type served. */
export const redisResourceType = 'microsoft.cache/redis';

interface Fetched {
  readonly cache: RedisResource;
  readonly keys: RedisAccessKeys;
}

/**
 * The StackExchange.Redis connection string (TLS): `<host>:<sslPort>,password=<key>,ssl=True,abortConnect=False`.
 * @param hostName - the cache's host name
 * @param sslPort - its TLS port
 * @param key - an access key
 */
export function redisConnectionString(hostName: string, sslPort: number, key: string): string {
  return `${hostName}:${sslPort},password=${key},ssl=True,abortConnect=False`;
}

const connectionString = (which: 'primaryKey' | 'secondaryKey') => (f: Fetched) => {
  const k = f.keys[which];
  const { hostName, sslPort } = f.cache;
  return k && hostName && sslPort !== undefined ? redisConnectionString(hostName, sslPort, k) : undefined;
};
const port = (n: number | undefined): string | undefined => (n === undefined ? undefined : String(n));

const catalogue: ValueCatalogue<Fetched> = {
  primaryKey: { needsKey: true, read: (f) => f.keys.primaryKey },
  secondaryKey: { needsKey: true, read: (f) => f.keys.secondaryKey },
  hostName: { needsKey: false, read: (f) => f.cache.hostName },
  port: { needsKey: false, read: (f) => port(f.cache.port) },
  sslPort: { needsKey: false, read: (f) => port(f.cache.sslPort) },
  primaryConnectionString: { needsKey: true, read: connectionString('primaryKey') },
  secondaryConnectionString: { needsKey: true, read: connectionString('secondaryKey') },
};

/**
 * Key provider for Azure Cache for Redis. Reads the cache (host name, ports, `disableAccessKeyAuthentication`),
 * then calls listKeys only when a wanted value needs a key, after taking a write token.
 * @param deps - ARM connection and write budget
 * @returns the provider
 */
export function createRedisKeyProvider(deps: KeyProviderDeps) {
  const clientFor = perSubscription(
    (subscriptionId) =>
      new RedisManagementClient(
        deps.connection.credential,
        subscriptionId,
        armClientOptions(deps.connection),
      ),
  );
  return {
    resourceType: redisResourceType,
    valueNames: Object.keys(catalogue),
    keyValueNames: ['primaryKey', 'secondaryKey'],
    needsKeys: (wanted: ReadonlySet<string>) => needsKeys(catalogue, wanted),
    async fetchValues(resource, wanted, options = {}) {
      assertKnownValues(catalogue, resource, wanted);
      const redis = clientFor(resource.subscriptionId).redis;
      const call = { connection: deps.connection, resourceId: resource.id, abortSignal: options.abortSignal };
      const cache = await callArm({ ...call, action: 'Microsoft.Cache/redis/read' }, (o) =>
        redis.get(resource.resourceGroup, resource.name, o),
      );
      if (!needsKeys(catalogue, wanted)) return pickValues(catalogue, resource, wanted, { cache, keys: {} });
      if (cache.disableAccessKeyAuthentication === true) {
        const refused = dataPlaneDisabled(resource, 'disableAccessKeyAuthentication=true');
        return pickValues(catalogue, resource, wanted, { cache, keys: {} }, refused);
      }
      await deps.rateLimiter.acquire(resource.subscriptionId, options.abortSignal);
      const keys = await callArm({ ...call, action: 'Microsoft.Cache/redis/listKeys/action' }, (o) =>
        redis.listKeys(resource.resourceGroup, resource.name, o),
      );
      return pickValues(catalogue, resource, wanted, { cache, keys });
    },
  } satisfies KeyProvider;
}
