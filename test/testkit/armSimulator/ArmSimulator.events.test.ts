import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventGridDeserializer, isSystemEvent } from '@azure/eventgrid';
import {
  ArmSimulator,
  type ArmCloudEvent,
  type ArmEvent,
  type DeliveredArmEvent,
} from '../../../testkit/armSimulator/ArmSimulator.ts';
import { rawArmRequest } from './rawArmRequest.ts';

const sub = '11111111-2222-3333-4444-555555555555';
let sim: ArmSimulator;
let storageId: string;

beforeEach(async () => {
  sim = await ArmSimulator.start();
  storageId = sim.addStorageAccount({ subscriptionId: sub, resourceGroup: 'rg-apps', name: 'stappdata01' });
});

afterEach(async () => {
  await sim.stop();
});

/** Sorted key paths of a JSON value (objects only), to compare shapes. */
function shape(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  return Object.entries(value as Record<string, unknown>)
    .flatMap(([k, v]) => [`${prefix}${k}`, ...shape(v, `${prefix}${k}.`)])
    .sort();
}

describe('ARM events', () => {
  it('raises an event shaped exactly like the subscription system topic sample', async () => {
    const received: DeliveredArmEvent[][] = [];
    sim.subscribeEvents({ handler: (events) => void received.push(events) });
    await sim.regenerateKey(storageId, 'key1');
    await sim.waitForDeliveries();

    const sample = (
      JSON.parse(
        readFileSync(
          new URL('../../../../shared/reference/events/storage-regenerate-key.json', import.meta.url),
          'utf8',
        ),
      ) as unknown[]
    )[0];
    expect(received).toHaveLength(1);
    const event = received[0]?.[0] as ArmEvent;
    expect(shape(event)).toEqual(shape(sample));
    expect(event).toMatchObject({
      topic: `/subscriptions/${sub}`,
      subject: storageId,
      eventType: 'Microsoft.Resources.ResourceActionSuccess',
      dataVersion: '2',
      metadataVersion: '1',
      data: {
        operationName: 'Microsoft.Storage/storageAccounts/regenerateKey/action',
        resourceProvider: 'Microsoft.Storage',
        resourceUri: storageId,
        status: 'Succeeded',
        subscriptionId: sub,
        authorization: { scope: storageId, action: 'Microsoft.Storage/storageAccounts/regenerateKey/action' },
        httpRequest: { method: 'POST' },
      },
    });
    expect(event.eventTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/);

    const [parsed] = await new EventGridDeserializer().deserializeEventGridEvents(
      JSON.stringify(received[0]),
    );
    expect(parsed && isSystemEvent('Microsoft.Resources.ResourceActionSuccess', parsed)).toBe(true);
  });

  it('raises events for our own listKeys (the feedback-loop case) but none for GETs', async () => {
    await rawArmRequest(sim, `${storageId}?api-version=2025-06-01`, { token: 'keysync' });
    await rawArmRequest(sim, `${storageId}/listKeys?api-version=2025-06-01`, {
      token: 'keysync',
      method: 'POST',
    });
    const events = sim.publishedEvents();
    expect(events.map((e) => e.data.operationName)).toEqual([
      'Microsoft.Storage/storageAccounts/listKeys/action',
    ]);
    expect(events[0]?.data.claims['http://schemas.microsoft.com/identity/claims/objectidentifier']).toMatch(
      /^[0-9a-f-]{36}$/,
    );
  });

  it('raises no event for failed requests', async () => {
    sim.denyActions('keysync', ['*']);
    await rawArmRequest(sim, `${storageId}/listKeys?api-version=2025-06-01`, {
      token: 'keysync',
      method: 'POST',
    });
    expect(sim.publishedEvents()).toHaveLength(0);
  });

  it('raises write and delete events for PUT and DELETE, and for the control API', async () => {
    const other = `/subscriptions/${sub}/resourceGroups/rg-apps/providers/Microsoft.Cache/redis/red`;
    await rawArmRequest(sim, `${other}?api-version=2024-11-01`, {
      token: 'keysync',
      method: 'PUT',
      body: {},
    });
    sim.setKeyAuthentication(storageId, false);
    expect(sim.deleteResource(storageId)).toBe(true);
    expect(
      sim.publishedEvents().map((e) => [e.eventType, e.data.operationName, e.data.httpRequest.method]),
    ).toEqual([
      ['Microsoft.Resources.ResourceWriteSuccess', 'Microsoft.Cache/redis/write', 'PUT'],
      ['Microsoft.Resources.ResourceWriteSuccess', 'Microsoft.Storage/storageAccounts/write', 'PATCH'],
      ['Microsoft.Resources.ResourceDeleteSuccess', 'Microsoft.Storage/storageAccounts/delete', 'DELETE'],
    ]);
  });

  it('applies subscription filters case-insensitively', async () => {
    const got: string[] = [];
    sim.subscribeEvents({
      handler: (events) => void got.push(...events.map((e) => e.data.operationName)),
      filter: {
        includedEventTypes: ['microsoft.resources.resourceactionsuccess'],
        operationNames: ['MICROSOFT.STORAGE/STORAGEACCOUNTS/REGENERATEKEY/ACTION'],
      },
    });
    await rawArmRequest(sim, `${storageId}/listKeys?api-version=2025-06-01`, {
      token: 'keysync',
      method: 'POST',
    });
    await sim.regenerateKey(storageId, 'key2');
    await sim.waitForDeliveries();
    expect(got).toEqual(['Microsoft.Storage/storageAccounts/regenerateKey/action']);
  });
});

describe('Event Grid delivery', () => {
  it('posts a JSON array to a webhook with Event Grid headers', async () => {
    const bodies: unknown[] = [];
    const headers: IncomingHttpHeaders[] = [];
    const server: Server = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        bodies.push(JSON.parse(text));
        headers.push(req.headers);
        res.statusCode = 200;
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      sim.subscribeEvents({ url: `http://127.0.0.1:${port}/api/events`, name: 'keysync-arm' });
      await sim.regenerateKey(storageId, 'key1');
      await sim.waitForDeliveries();
      expect(bodies).toHaveLength(1);
      expect(Array.isArray(bodies[0])).toBe(true);
      expect((bodies[0] as ArmEvent[])[0]?.subject).toBe(storageId);
      expect(headers[0]?.['aeg-event-type']).toBe('Notification');
      expect(headers[0]?.['aeg-delivery-count']).toBe('0');
      expect(headers[0]?.['aeg-subscription-name']).toBe('KEYSYNC-ARM');
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('delivers CloudEvents 1.0 when the subscription asks for that schema (webhook and handler)', async () => {
    const bodies: unknown[] = [];
    const headers: IncomingHttpHeaders[] = [];
    const server: Server = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        bodies.push(JSON.parse(text));
        headers.push(req.headers);
        res.statusCode = 200;
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const handled: DeliveredArmEvent[] = [];
      sim.subscribeEvents({
        url: `http://127.0.0.1:${port}/api/events`,
        eventDeliverySchema: 'CloudEventSchemaV1_0',
      });
      sim.subscribeEvents({
        handler: (events) => void handled.push(...events),
        eventDeliverySchema: 'CloudEventSchemaV1_0',
      });
      await sim.regenerateKey(storageId, 'key1');
      await sim.waitForDeliveries();
      const [published] = sim.publishedEvents();
      // Structured content mode: the event alone, not an array.
      const body = bodies[0] as ArmCloudEvent;
      expect(body).toEqual({
        specversion: '1.0',
        type: 'Microsoft.Resources.ResourceActionSuccess',
        source: `/subscriptions/${sub}`,
        subject: storageId,
        id: published?.id,
        time: published?.eventTime,
        data: published?.data,
      });
      expect(handled).toEqual([body]);
      expect(headers[0]?.['content-type']).toBe('application/cloudevents+json; charset=utf-8');
      expect(headers[0]?.['aeg-metadata-version']).toBe('1.0');
      const [parsed] = await new EventGridDeserializer().deserializeCloudEvents(JSON.stringify(body));
      expect(parsed?.type).toBe('Microsoft.Resources.ResourceActionSuccess');
      expect(parsed?.time).toBeInstanceOf(Date);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('delivers extra copies when asked (at-least-once)', async () => {
    const ids: string[] = [];
    const sub1 = sim.subscribeEvents({
      handler: (events) => void ids.push(events[0]?.id ?? ''),
      duplicates: 2,
    });
    await sim.regenerateKey(storageId, 'key1');
    await sim.waitForDeliveries();
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(1);
    expect(sub1.delivered()).toHaveLength(3);
  });

  it('reorders the events of one flush when asked', async () => {
    const order: string[] = [];
    sim.subscribeEvents({
      handler: (events) => void order.push(events[0]?.data.operationName ?? ''),
      reorder: true,
      delayInMs: 20,
    });
    await sim.regenerateKey(storageId, 'key1');
    sim.setKeyAuthentication(storageId, false);
    await sim.waitForDeliveries();
    expect(order).toEqual([
      'Microsoft.Storage/storageAccounts/write',
      'Microsoft.Storage/storageAccounts/regenerateKey/action',
    ]);
  });

  it('retries failed deliveries with backoff until one succeeds', async () => {
    const counts: number[] = [];
    const subscription = sim.subscribeEvents({
      handler: (_events, delivery) => {
        counts.push(delivery.deliveryCount);
        if (delivery.deliveryCount < 2) throw new Error('handler failed');
        return 200;
      },
      retryScheduleInMs: [5, 10],
    });
    await sim.regenerateKey(storageId, 'key1');
    await sim.waitForDeliveries();
    expect(counts).toEqual([0, 1, 2]);
    expect(subscription.attempts().map((a) => a.outcome)).toEqual([
      'GenericError',
      'GenericError',
      'Succeeded',
    ]);
    expect(subscription.deadLetters()).toHaveLength(0);
  });

  it('dead-letters an event after maxDeliveryAttempts', async () => {
    let calls = 0;
    const subscription = sim.subscribeEvents({
      handler: () => {
        calls += 1;
        return 503;
      },
      maxDeliveryAttempts: 3,
      retryScheduleInMs: [5],
    });
    await sim.regenerateKey(storageId, 'key1');
    await sim.waitForDeliveries();
    expect(calls).toBe(3);
    const [dead] = subscription.deadLetters();
    expect(dead).toMatchObject({
      deadLetterReason: 'MaxDeliveryAttemptsExceeded',
      deliveryAttempts: 3,
      lastDeliveryOutcome: 'Busy',
      lastHttpStatusCode: 503,
    });
    expect(dead?.event.subject).toBe(storageId);
  });

  it('does not retry a 400 answer', async () => {
    let calls = 0;
    const subscription = sim.subscribeEvents({ handler: () => (calls++, 400), retryScheduleInMs: [5] });
    await sim.regenerateKey(storageId, 'key1');
    await sim.waitForDeliveries();
    expect(calls).toBe(1);
    expect(subscription.deadLetters()[0]?.deadLetterReason).toBe('NonRetriableStatus');
  });

  it('times out a hanging handler and retries', async () => {
    let calls = 0;
    const subscription = sim.subscribeEvents({
      handler: () => (++calls === 1 ? new Promise(() => undefined) : 200),
      deliveryTimeoutInMs: 50,
      retryScheduleInMs: [5],
    });
    await sim.regenerateKey(storageId, 'key1');
    await sim.waitForDeliveries();
    expect(subscription.attempts().map((a) => a.outcome)).toEqual(['TimedOut', 'Succeeded']);
  });

  it('stop() cancels pending retries and wakes waiters', async () => {
    const subscription = sim.subscribeEvents({ handler: () => 500, retryScheduleInMs: [60_000] });
    await sim.regenerateKey(storageId, 'key1');
    const waiting = sim.waitForDeliveries(30_000);
    await new Promise((r) => setTimeout(r, 50));
    await sim.stop();
    await expect(waiting).resolves.toBeUndefined();
    expect(subscription.attempts()).toHaveLength(1);
  });

  it('waitForDeliveries rejects when deliveries do not finish in time', async () => {
    sim.subscribeEvents({ handler: () => 500, retryScheduleInMs: [60_000] });
    await sim.regenerateKey(storageId, 'key1');
    await expect(sim.waitForDeliveries(100)).rejects.toThrow(/1 pending event deliveries/);
  });

  it('unsubscribe drops pending deliveries', async () => {
    let calls = 0;
    const subscription = sim.subscribeEvents({ handler: () => void calls++, delayInMs: 50 });
    await sim.regenerateKey(storageId, 'key1');
    subscription.unsubscribe();
    await sim.waitForDeliveries(1000);
    expect(calls).toBe(0);
  });

  it('reconfigure turns duplicates and reordering on and off without dropping pending deliveries', async () => {
    const seen: string[] = [];
    const subscription = sim.subscribeEvents({
      handler: (events) => void seen.push(events[0]?.data.operationName.split('/').slice(-2)[0] ?? ''),
      delayInMs: 20,
    });
    await sim.regenerateKey(storageId, 'key1');
    subscription.reconfigure({ duplicates: 1, reorder: true, delayInMs: 20 });
    sim.setKeyAuthentication(storageId, false);
    await sim.regenerateKey(storageId, 'key2');
    await sim.waitForDeliveries();
    // One flush: the first event was offered before (one copy), the next two after (two copies each); the
    // flush runs with the new settings, so newest first.
    expect(seen).toEqual([
      'regenerateKey',
      'regenerateKey',
      'storageAccounts',
      'storageAccounts',
      'regenerateKey',
    ]);
    seen.length = 0;
    subscription.reconfigure({});
    await sim.regenerateKey(storageId, 'key1');
    await sim.waitForDeliveries();
    expect(seen).toEqual(['regenerateKey']);
  });
});
