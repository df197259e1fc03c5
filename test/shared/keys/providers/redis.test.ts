import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { ArmSimulator } from '../../../../testkit/armSimulator/ArmSimulator.ts';
import { parseResourceId } from '../../../../shared/arm/parseResourceId.ts';
import { ErrorCode } from '../../../../shared/errors.ts';
import { createRedisKeyProvider, redisConnectionString } from '../../../../shared/keys/providers/redis.ts';
import {
  countingRateLimiter,
  simulatorConnection,
  testSubscription as sub,
} from '../../arm/simulatorConnection.ts';

let sim: ArmSimulator;
let id: string;

beforeAll(async () => {
  sim = await ArmSimulator.start();
  id = sim.addRedisCache({ subscriptionId: sub, resourceGroup: 'rg-cache', name: 'redis-app' });
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
    provider: createRedisKeyProvider({ connection: simulatorConnection(sim), rateLimiter: limiter }),
  };
}

const listKeysCalls = () => sim.calls({ operation: 'Microsoft.Cache/redis/listKeys/action' });

describe('redis key provider', () => {
  it('declares its type and catalogue', () => {
    const { provider: p } = provider();
    expect(p.resourceType).toBe('microsoft.cache/redis');
    expect(p.valueNames).toEqual([
      'primaryKey',
      'secondaryKey',
      'hostName',
      'port',
      'sslPort',
      'primaryConnectionString',
      'secondaryConnectionString',
    ]);
  });

  it('returns every value with one listKeys call', async () => {
    const { provider: p, limiter } = provider();
    const { values: values } = await p.fetchValues(parseResourceId(id), new Set(p.valueNames));
    const k = sim.keysOf(id);
    const host = 'redis-app.redis.cache.windows.net';
    expect(Object.fromEntries(values)).toEqual({
      primaryKey: k.primaryKey,
      secondaryKey: k.secondaryKey,
      hostName: host,
      port: '6379',
      sslPort: '6380',
      primaryConnectionString: `${host}:6380,password=${k.primaryKey},ssl=True,abortConnect=False`,
      secondaryConnectionString: `${host}:6380,password=${k.secondaryKey},ssl=True,abortConnect=False`,
    });
    expect(listKeysCalls()).toHaveLength(1);
    expect(limiter.acquired).toEqual([sub]);
  });

  it('makes no listKeys call for host and ports', async () => {
    const { provider: p, limiter } = provider();
    const { values: values } = await p.fetchValues(parseResourceId(id), new Set(['hostName', 'sslPort']));
    expect(Object.fromEntries(values)).toEqual({
      hostName: 'redis-app.redis.cache.windows.net',
      sslPort: '6380',
    });
    expect(listKeysCalls()).toHaveLength(0);
    expect(limiter.acquired).toEqual([]);
  });

  it('sees a regenerated key', async () => {
    const { provider: p } = provider();
    const before = (await p.fetchValues(parseResourceId(id), new Set(['primaryKey']))).values.get(
      'primaryKey',
    );
    await sim.regenerateKey(id, 'Primary');
    const after = (await p.fetchValues(parseResourceId(id), new Set(['primaryKey']))).values.get(
      'primaryKey',
    );
    expect(after).not.toBe(before);
    expect(after).toBe(sim.keysOf(id).primaryKey);
  });

  it('refuses keys with DataPlaneDisabled when access keys are disabled, without listKeys', async () => {
    const disabled = sim.addRedisCache({
      subscriptionId: sub,
      resourceGroup: 'rg-cache',
      name: 'redis-aad',
      disableAccessKeyAuthentication: true,
    });
    const { provider: p } = provider();
    const { values, unavailable } = await p.fetchValues(
      parseResourceId(disabled),
      new Set(['primaryConnectionString', 'hostName']),
    );
    expect(unavailable.get('primaryConnectionString')).toMatchObject({
      code: ErrorCode.DataPlaneDisabled,
      retryable: false,
      message: expect.stringContaining('disableAccessKeyAuthentication=true'),
    });
    expect(values.has('hostName')).toBe(true);
    expect(listKeysCalls()).toHaveLength(0);
  });

  it('formats StackExchange.Redis connection strings', () => {
    expect(redisConnectionString('h.redis.cache.windows.net', 6380, 'k=')).toBe(
      'h.redis.cache.windows.net:6380,password=k=,ssl=True,abortConnect=False',
    );
  });
});
