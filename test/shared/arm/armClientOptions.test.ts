import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RedisManagementClient } from '@azure/arm-rediscache';
import { StorageManagementClient } from '@azure/arm-storage';
import { ArmSimulator, staticTokenCredential } from '../../../testkit/armSimulator/ArmSimulator.ts';
import {
  armClientOptions,
  armOperationOptions,
  armTokenScope,
  publicArmEndpoint,
} from '../../../shared/arm/armClientOptions.ts';
import { ErrorCode, KeySyncError } from '../../../shared/errors.ts';
import { testSubscription as sub } from './simulatorConnection.ts';

const credential = staticTokenCredential('keysync');

describe('armTokenScope', () => {
  it.each([
    [publicArmEndpoint, 'https://management.azure.com/.default'],
    ['https://management.azure.com/', 'https://management.azure.com/.default'],
    ['https://management.chinacloudapi.cn', 'https://management.chinacloudapi.cn/.default'],
    ['https://127.0.0.1:8443', 'https://127.0.0.1:8443/.default'],
  ])('%s -> %s', (endpoint, scope) => {
    expect(armTokenScope({ endpoint })).toBe(scope);
  });

  it('uses an explicit audience', () => {
    expect(armTokenScope({ endpoint: 'https://arm.local', audience: 'https://management.example/' })).toBe(
      'https://management.example/.default',
    );
  });
});

describe('armClientOptions', () => {
  it('sets endpoint, both scope spellings, modest retries, and no TLS override without a CA', () => {
    const options = armClientOptions({ endpoint: 'https://management.azure.com/', credential });
    expect(options).toEqual({
      endpoint: 'https://management.azure.com',
      $host: 'https://management.azure.com',
      credentials: { scopes: ['https://management.azure.com/.default'] },
      credentialScopes: ['https://management.azure.com/.default'],
      retryOptions: { maxRetries: 3, retryDelayInMs: 1000, maxRetryDelayInMs: 16_000 },
      userAgentOptions: { userAgentPrefix: 'aks-keysync' },
    });
  });

  it('trusts the given CA and takes retry settings', () => {
    const options = armClientOptions({
      endpoint: 'https://127.0.0.1:1',
      credential,
      caPem: 'PEM',
      maxRetries: 1,
      retryDelayInMs: 5,
      maxRetryDelayInMs: 6,
    });
    expect(options.tlsOptions).toEqual({ ca: 'PEM' });
    expect(options.retryOptions).toEqual({ maxRetries: 1, retryDelayInMs: 5, maxRetryDelayInMs: 6 });
  });

  it('refuses an http endpoint', () => {
    const attempt = () => armClientOptions({ endpoint: 'http://127.0.0.1:1', credential });
    expect(attempt).toThrow(KeySyncError);
    expect(attempt).toThrow(/must use https/);
    try {
      attempt();
    } catch (err) {
      expect((err as KeySyncError).code).toBe(ErrorCode.Config);
    }
  });

  it('builds per-call options with the per-attempt timeout', () => {
    const signal = new AbortController().signal;
    expect(armOperationOptions({ endpoint: publicArmEndpoint, credential }, signal)).toEqual({
      abortSignal: signal,
      requestOptions: { timeout: 30_000 },
    });
    expect(armOperationOptions({ endpoint: publicArmEndpoint, credential, requestTimeoutInMs: 5 })).toEqual({
      requestOptions: { timeout: 5 },
    });
  });
});

describe('armClientOptions with the real SDK clients', () => {
  let sim: ArmSimulator;
  beforeAll(async () => {
    sim = await ArmSimulator.start();
    sim.addStorageAccount({ subscriptionId: sub, resourceGroup: 'rg', name: 'st' });
    sim.addRedisCache({ subscriptionId: sub, resourceGroup: 'rg', name: 'red' });
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('points modular and classic clients at the endpoint, trusting its CA, asking for its scope', async () => {
    const cred = staticTokenCredential('keysync');
    const options = armClientOptions({ endpoint: sim.url, credential: cred, caPem: sim.caPem });
    const storage = new StorageManagementClient(cred, sub, options);
    const redis = new RedisManagementClient(cred, sub, options);
    expect((await storage.storageAccounts.getProperties('rg', 'st')).name).toBe('st');
    expect((await redis.redis.get('rg', 'red')).hostName).toBe('red.redis.cache.windows.net');
    expect(cred.scopesRequested.flat()).toEqual([`${sim.url}/.default`, `${sim.url}/.default`]);
  });

  it('fails TLS without the CA', async () => {
    const options = armClientOptions({ endpoint: sim.url, credential, maxRetries: 0 });
    const storage = new StorageManagementClient(credential, sub, options);
    await expect(storage.storageAccounts.getProperties('rg', 'st')).rejects.toThrow(
      /self[- ]signed|certificate/i,
    );
  });
});
