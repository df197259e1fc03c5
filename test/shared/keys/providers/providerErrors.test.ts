/**
 * ARM failures seen through the real SDK clients inside the providers, against the simulator: each must
 * arrive as the KeySyncError the engine acts on, and none may carry a key value.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { ArmSimulator } from '../../../../testkit/armSimulator/ArmSimulator.ts';
import type { ArmConnection } from '../../../../shared/arm/armClientOptions.ts';
import { parseResourceId } from '../../../../shared/arm/parseResourceId.ts';
import { ErrorCode, KeySyncError } from '../../../../shared/errors.ts';
import { createCosmosKeyProvider } from '../../../../shared/keys/providers/cosmos.ts';
import { createRedisKeyProvider } from '../../../../shared/keys/providers/redis.ts';
import { createStorageKeyProvider } from '../../../../shared/keys/providers/storage.ts';
import {
  countingRateLimiter,
  simulatorConnection,
  testPrincipal,
  testSubscription as sub,
} from '../../arm/simulatorConnection.ts';

let sim: ArmSimulator;
let storageId: string;
let cosmosId: string;
let redisId: string;
const seenErrors: KeySyncError[] = [];

beforeAll(async () => {
  sim = await ArmSimulator.start();
  storageId = sim.addStorageAccount({ subscriptionId: sub, resourceGroup: 'rg', name: 'st' });
  cosmosId = sim.addCosmosAccount({ subscriptionId: sub, resourceGroup: 'rg', name: 'cos' });
  redisId = sim.addRedisCache({ subscriptionId: sub, resourceGroup: 'rg', name: 'red' });
});

afterAll(async () => {
  // The standing leak check: no error text produced here contains any key the simulator ever issued.
  const text = JSON.stringify(
    seenErrors.map((e) => [e.message, e.details, (e.cause as Error | undefined)?.message]),
  );
  for (const key of sim.keyValues()) expect(text).not.toContain(key);
  await sim.stop();
});

beforeEach(() => {
  sim.clearFaults();
  sim.clearDeniedActions();
  sim.setThrottling(undefined);
  sim.resetCalls();
});

async function failure(promise: Promise<unknown>): Promise<KeySyncError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(KeySyncError);
  seenErrors.push(err as KeySyncError);
  return err as KeySyncError;
}

function storage(overrides: Partial<ArmConnection> = {}) {
  return createStorageKeyProvider({
    connection: simulatorConnection(sim, overrides),
    rateLimiter: countingRateLimiter(),
  });
}

const keys = new Set(['primaryKey']);
const listKeysStatuses = () => sim.calls({ operation: 'listKeys/action' }).map((c) => c.status);

describe('provider errors through the real SDK', () => {
  it('404: an unknown account is ResourceNotFound, not retryable', async () => {
    const missing = storageId.replace(/st$/, 'gone');
    const err = await failure(storage().fetchValues(parseResourceId(missing), keys));
    expect(err).toMatchObject({ code: ErrorCode.ResourceNotFound, retryable: false });
    expect(err.message).toContain(missing);
    expect(err.details).toMatchObject({ statusCode: 404, armCode: 'ResourceNotFound', resourceId: missing });
  });

  it('404: an unknown resource group is ResourceNotFound too', async () => {
    const err = await failure(
      storage().fetchValues(parseResourceId(storageId.replace('/rg/', '/rg-x/')), keys),
    );
    expect(err).toMatchObject({
      code: ErrorCode.ResourceNotFound,
      details: expect.objectContaining({ armCode: 'ResourceGroupNotFound' }),
    });
  });

  it('403: a missing listKeys permission is ArmForbidden naming the action, not retryable', async () => {
    sim.denyActions(testPrincipal, ['Microsoft.Storage/storageAccounts/listKeys/action']);
    const err = await failure(storage().fetchValues(parseResourceId(storageId), keys));
    expect(err).toMatchObject({ code: ErrorCode.ArmForbidden, retryable: false });
    expect(err.message).toContain("'Microsoft.Storage/storageAccounts/listKeys/action'");
    expect(err.message).toContain(storageId);
    expect(listKeysStatuses()).toEqual([403]);
  });

  it('403 on the read of a cosmos account names the read action', async () => {
    sim.denyActions(testPrincipal, ['Microsoft.DocumentDB/databaseAccounts/read']);
    const p = createCosmosKeyProvider({
      connection: simulatorConnection(sim),
      rateLimiter: countingRateLimiter(),
    });
    const err = await failure(p.fetchValues(parseResourceId(cosmosId), new Set(['primaryMasterKey'])));
    expect(err.details.missingAction).toBe('Microsoft.DocumentDB/databaseAccounts/read');
  });

  it('429 from ARM throttling is waited out by the SDK (Retry-After), then succeeds', async () => {
    sim.setThrottling({ writes: { burst: 1, refillPerSecond: 1 } });
    const p = storage();
    await p.fetchValues(parseResourceId(storageId), keys);
    const started = Date.now();
    const { values: values } = await p.fetchValues(parseResourceId(storageId), keys);
    expect(values.get('primaryKey')).toBe(sim.keysOf(storageId).key1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(listKeysStatuses()).toEqual([200, 429, 200]);
  });

  it('429 that persists becomes ArmThrottled, retryable, with retryAfterInMs', async () => {
    sim.injectFault({
      match: { operation: 'listKeys/action' },
      status: 429,
      retryAfterSeconds: 1,
      times: Infinity,
    });
    const err = await failure(storage({ maxRetries: 1 }).fetchValues(parseResourceId(storageId), keys));
    expect(err).toMatchObject({ code: ErrorCode.ArmThrottled, retryable: true, retryAfterInMs: 1000 });
    expect(listKeysStatuses()).toEqual([429, 429]);
  });

  it('500 becomes ArmUnavailable, retryable, after the SDK retries', async () => {
    sim.injectFault({ match: { operation: 'listKeys/action' }, status: 500, times: Infinity });
    const err = await failure(storage().fetchValues(parseResourceId(storageId), keys));
    expect(err).toMatchObject({ code: ErrorCode.ArmUnavailable, retryable: true });
    expect(err.message).toContain('HTTP 500');
    expect(listKeysStatuses()).toEqual([500, 500, 500, 500]);
  });

  it('a transient 503 is retried by the SDK and succeeds', async () => {
    sim.injectFault({ match: { operation: 'listKeys/action' }, status: 503, times: 1 });
    const { values: values } = await storage().fetchValues(parseResourceId(storageId), keys);
    expect(values.size).toBe(1);
    expect(listKeysStatuses()).toEqual([503, 200]);
  });

  it('409 becomes ArmConflict, retryable', async () => {
    sim.injectFault({
      match: { operation: 'listKeys/action' },
      status: 409,
      code: 'Conflict',
      times: Infinity,
    });
    const p = createRedisKeyProvider({
      connection: simulatorConnection(sim),
      rateLimiter: countingRateLimiter(),
    });
    const err = await failure(p.fetchValues(parseResourceId(redisId), keys));
    expect(err).toMatchObject({ code: ErrorCode.ArmConflict, retryable: true });
  });

  it('a hanging ARM call times out per attempt and becomes ArmUnavailable, retryable', async () => {
    sim.injectFault({ match: { operation: 'listKeys/action' }, delayInMs: 10_000, times: Infinity });
    const started = Date.now();
    const err = await failure(
      storage({ requestTimeoutInMs: 200 }).fetchValues(parseResourceId(storageId), keys),
    );
    expect(err).toMatchObject({ code: ErrorCode.ArmUnavailable, retryable: true });
    expect(err.message).toMatch(/timed out after 200 ms/);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('a cancelled call becomes ArmUnavailable, retryable', async () => {
    sim.injectFault({ match: { operation: 'listKeys/action' }, delayInMs: 10_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const err = await failure(
      storage().fetchValues(parseResourceId(storageId), keys, { abortSignal: controller.signal }),
    );
    expect(err).toMatchObject({ code: ErrorCode.ArmUnavailable, retryable: true });
    expect(err.message).toMatch(/cancelled/);
  });

  it('connection resets become ArmUnavailable, retryable', async () => {
    sim.injectFault({ match: { operation: 'listKeys/action' }, resetConnection: true, times: Infinity });
    const err = await failure(storage().fetchValues(parseResourceId(storageId), keys));
    expect(err).toMatchObject({ code: ErrorCode.ArmUnavailable, retryable: true });
  });

  it('a malformed listKeys body becomes ArmUnavailable without quoting the body', async () => {
    const key = sim.keysOf(storageId).key1 ?? '';
    sim.injectFault({
      match: { operation: 'listKeys/action' },
      rawBody: `{"keys":[{"keyName":"key1","value":"${key}"`,
    });
    const err = await failure(storage().fetchValues(parseResourceId(storageId), keys));
    expect(err).toMatchObject({ code: ErrorCode.ArmUnavailable, retryable: true });
    expect(err.message).not.toContain(key);
  });

  it('a malformed body through the classic (redis) client is not quoted either', async () => {
    const key = sim.keysOf(redisId).primaryKey ?? '';
    sim.injectFault({ match: { operation: 'listKeys/action' }, rawBody: `{"primaryKey":"${key}",` });
    const p = createRedisKeyProvider({
      connection: simulatorConnection(sim),
      rateLimiter: countingRateLimiter(),
    });
    const err = await failure(p.fetchValues(parseResourceId(redisId), keys));
    expect(err).toMatchObject({ code: ErrorCode.ArmUnavailable, retryable: true });
    expect(`${err.message} ${(err.cause as Error).message}`).not.toContain(key);
  });
});
