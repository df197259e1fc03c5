import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { ArmSimulator } from '../../../testkit/armSimulator/ArmSimulator.ts';
import { TokenBucket } from '../../../testkit/armSimulator/TokenBucket.ts';
import { rawArmRequest } from './rawArmRequest.ts';

const subA = '11111111-2222-3333-4444-555555555555';
const subB = '22222222-2222-3333-4444-555555555555';
let sim: ArmSimulator;
let idA: string;
let idB: string;

const listKeys = (id: string, token = 'keysync') =>
  rawArmRequest(sim, `${id}/listKeys?api-version=2025-06-01`, { token, method: 'POST' });

beforeAll(async () => {
  sim = await ArmSimulator.start();
  idA = sim.addStorageAccount({ subscriptionId: subA, resourceGroup: 'rg', name: 'sta' });
  idB = sim.addStorageAccount({ subscriptionId: subB, resourceGroup: 'rg', name: 'stb' });
});

afterAll(async () => {
  await sim.stop();
});

beforeEach(() => {
  sim.setThrottling({ writes: { burst: 2, refillPerSecond: 1 }, reads: { burst: 3, refillPerSecond: 1 } });
});

describe('TokenBucket', () => {
  it('serves the burst, then says how long until the next token', () => {
    const bucket = new TokenBucket({ burst: 2, refillPerSecond: 10 }, 0);
    expect(bucket.take(0)).toEqual({ ok: true, remaining: 1 });
    expect(bucket.take(0)).toEqual({ ok: true, remaining: 0 });
    expect(bucket.take(0)).toEqual({ ok: false, retryAfterInMs: 100 });
    expect(bucket.take(50)).toEqual({ ok: false, retryAfterInMs: 50 });
    expect(bucket.take(100)).toEqual({ ok: true, remaining: 0 });
    expect(bucket.take(10_000)).toEqual({ ok: true, remaining: 1 });
  });
});

describe('ArmSimulator throttling', () => {
  it('answers 429 TooManyRequests with Retry-After once the write bucket is empty', async () => {
    const first = await listKeys(idA);
    expect(first.headers['x-ms-ratelimit-remaining-subscription-writes']).toBe('1');
    expect((await listKeys(idA)).headers['x-ms-ratelimit-remaining-subscription-writes']).toBe('0');
    const throttled = await listKeys(idA);
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toBe('1');
    const { error } = throttled.json as { error: { code: string; message: string } };
    expect(error.code).toBe('TooManyRequests');
    expect(error.message).toContain(`subscription '${subA}'`);
    expect(throttled.headers['x-ms-ratelimit-remaining-subscription-writes']).toBe('0');
  });

  it('rejects a request made before Retry-After again, and serves it after', async () => {
    sim.setThrottling({ writes: { burst: 2, refillPerSecond: 4 } });
    await listKeys(idA);
    await listKeys(idA);
    expect((await listKeys(idA)).status).toBe(429);
    const throttledBy = Date.now();
    // The bucket has a token again after 250 ms, but ARM said "after 1 s": earlier calls are rejected.
    await new Promise((r) => setTimeout(r, 400));
    const early = await listKeys(idA);
    expect(early.status).toBe(429);
    expect(early.headers['retry-after']).toBe('1');
    await new Promise((r) => setTimeout(r, Math.max(0, throttledBy + 1050 - Date.now())));
    expect((await listKeys(idA)).status).toBe(200);
  });

  it('keeps separate buckets per principal, per subscription and for reads', async () => {
    await listKeys(idA);
    await listKeys(idA);
    expect((await listKeys(idA)).status).toBe(429);
    expect((await listKeys(idA, 'other-principal')).status).toBe(200);
    expect((await listKeys(idB)).status).toBe(200);
    const read = await rawArmRequest(sim, `${idA}?api-version=2025-06-01`, { token: 'keysync' });
    expect(read.status).toBe(200);
    expect(read.headers['x-ms-ratelimit-remaining-subscription-reads']).toBe('2');
  });

  it('logs throttled calls with status 429', async () => {
    sim.resetCalls();
    await listKeys(idA);
    await listKeys(idA);
    await listKeys(idA);
    expect(sim.calls({ operation: 'listKeys/action' }).map((c) => c.status)).toEqual([200, 200, 429]);
    expect(sim.calls({ status: 429 })).toHaveLength(1);
  });

  it('can be switched off', async () => {
    sim.setThrottling(false);
    for (let i = 0; i < 5; i++) expect((await listKeys(idA)).status).toBe(200);
  });
});
