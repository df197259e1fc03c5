import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { request } from 'node:https';
import { ArmSimulator } from '../../../testkit/armSimulator/ArmSimulator.ts';
import { rawArmRequest } from './rawArmRequest.ts';

const sub = '11111111-2222-3333-4444-555555555555';
let sim: ArmSimulator;
let storageId: string;
let redisId: string;

const listKeys = (id: string, token = 'keysync') =>
  rawArmRequest(sim, `${id}/listKeys?api-version=2025-06-01`, { token, method: 'POST' });

beforeAll(async () => {
  sim = await ArmSimulator.start();
  storageId = sim.addStorageAccount({ subscriptionId: sub, resourceGroup: 'rg', name: 'st' });
  redisId = sim.addRedisCache({ subscriptionId: sub, resourceGroup: 'rg', name: 'red' });
});

afterAll(async () => {
  await sim.stop();
});

beforeEach(() => {
  sim.clearFaults();
  sim.setLatency(0);
  sim.resetCalls();
});

describe('fault injection', () => {
  it('answers the injected status with ARM error body and Retry-After, for the given number of times', async () => {
    const handle = sim.injectFault({
      match: { operation: 'listKeys/action' },
      status: 429,
      retryAfterSeconds: 7,
      times: 2,
    });
    const first = await listKeys(storageId);
    expect(first.status).toBe(429);
    expect(first.headers['retry-after']).toBe('7');
    expect(first.json).toEqual({ error: { code: 'TooManyRequests', message: 'Injected fault: HTTP 429.' } });
    expect(handle.remaining()).toBe(1);
    expect((await listKeys(storageId)).status).toBe(429);
    expect((await listKeys(storageId)).status).toBe(200);
    expect(handle.remaining()).toBe(0);
  });

  it('matches on resource ID (any casing), principal and method', async () => {
    sim.injectFault({
      match: { resourceId: storageId.toUpperCase(), principal: 'victim', method: 'post' },
      status: 500,
      times: Infinity,
    });
    expect((await listKeys(storageId, 'victim')).status).toBe(500);
    expect((await listKeys(storageId, 'someone-else')).status).toBe(200);
    expect((await listKeys(redisId, 'victim')).status).toBe(200);
    expect((await rawArmRequest(sim, `${storageId}?api-version=1`, { token: 'victim' })).status).toBe(200);
  });

  it('uses the given code and message, e.g. a 409 Conflict', async () => {
    sim.injectFault({ match: { pathContains: '/listkeys' }, status: 409, code: 'Conflict', message: 'busy' });
    const res = await listKeys(storageId);
    expect(res.status).toBe(409);
    expect(res.json).toEqual({ error: { code: 'Conflict', message: 'busy' } });
  });

  it('delays a response (latency-only rule) and then serves it', async () => {
    sim.injectFault({ match: { operation: 'listKeys/action' }, delayInMs: 150 });
    const started = Date.now();
    const res = await listKeys(storageId);
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('adds base latency to every request', async () => {
    sim.setLatency(100);
    const started = Date.now();
    await rawArmRequest(sim, `${storageId}?api-version=1`, { token: 'keysync' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  });

  it('can hang long enough for a client timeout', async () => {
    sim.injectFault({ match: { operation: 'listKeys/action' }, delayInMs: 5_000 });
    const outcome = await new Promise<string>((resolve) => {
      const req = request(
        new URL(`${storageId}/listKeys?api-version=1`, sim.url),
        { method: 'POST', ca: sim.caPem, headers: { authorization: 'Bearer keysync' }, timeout: 100 },
        () => resolve('answered'),
      );
      req.on('timeout', () => {
        req.destroy();
        resolve('timed out');
      });
      req.on('error', () => undefined);
      req.end();
    });
    expect(outcome).toBe('timed out');
  });

  it('can reset the connection (a network error for the client)', async () => {
    sim.injectFault({ match: { operation: 'listKeys/action' }, resetConnection: true });
    await expect(listKeys(storageId)).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(sim.calls({ operation: 'listKeys/action' })).toEqual([expect.objectContaining({ status: 0 })]);
  });

  it('can answer a malformed body', async () => {
    sim.injectFault({ match: { operation: 'listKeys/action' }, rawBody: '{"keys":[' });
    const eventsBefore = sim.publishedEvents().length;
    const res = await listKeys(storageId);
    expect(res.status).toBe(200);
    expect(res.text).toBe('{"keys":[');
    expect(sim.publishedEvents()).toHaveLength(eventsBefore);
  });
});

describe('call log', () => {
  it('records principal, method, path, canonical operation, resource ID and status, filterable', async () => {
    await rawArmRequest(sim, `${storageId}?api-version=1`, { token: 'a' });
    await listKeys(storageId, 'b');
    await listKeys(redisId, 'b');
    await rawArmRequest(sim, `${storageId}?api-version=1`);
    const all = sim.calls();
    expect(all).toHaveLength(4);
    expect(all[0]).toEqual({
      time: expect.any(Number),
      principal: 'a',
      method: 'GET',
      path: storageId,
      operation: 'Microsoft.Storage/storageAccounts/read',
      resourceId: storageId,
      status: 200,
      requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(all[3]).toMatchObject({ principal: '', status: 401 });
    expect(sim.calls({ principal: 'B', operation: 'listKeys/action' })).toHaveLength(2);
    expect(sim.calls({ resourceId: redisId.toLowerCase() }).map((c) => c.operation)).toEqual([
      'Microsoft.Cache/redis/listKeys/action',
    ]);
    sim.resetCalls();
    expect(sim.calls()).toEqual([]);
  });
});
