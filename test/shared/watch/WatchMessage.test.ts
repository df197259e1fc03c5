import { describe, expect, it } from '@jest/globals';

import { ValidationError } from '../../../shared/errors.ts';
import type { WatchMessage } from '../../../shared/watch/WatchMessage.ts';
import { parseWatchMessage, watchMessageId } from '../../../shared/watch/WatchMessage.ts';

const valid: WatchMessage = {
  version: 1,
  cluster: 'prod-weu',
  kind: 'Secret',
  eventType: 'modified',
  namespace: 'orders',
  name: 'orders-storage',
  uid: '9f1c2f5e-1111-2222-3333-444455556666',
  resourceVersion: '12345',
  owner: 'orders-storage',
  observedAt: '2026-11-25T10:00:00.000Z',
};

function poisonOf(body: unknown): ValidationError {
  try {
    parseWatchMessage(body);
  } catch (err) {
    if (err instanceof ValidationError) return err;
    throw err;
  }
  throw new Error('accepted');
}

describe('parseWatchMessage', () => {
  it('accepts a valid message as an object, a JSON string or UTF-8 bytes', () => {
    expect(parseWatchMessage(valid)).toEqual(valid);
    expect(parseWatchMessage(JSON.stringify(valid))).toEqual(valid);
    expect(parseWatchMessage(Buffer.from(JSON.stringify(valid)))).toEqual(valid);
    const binding = { ...valid, kind: 'KeyBinding', generation: 3, owner: undefined };
    expect(parseWatchMessage(JSON.parse(JSON.stringify(binding)))).toMatchObject({
      kind: 'KeyBinding',
      generation: 3,
    });
  });

  it.each([
    ['not JSON', '{"version":1,', 'not valid JSON'],
    ['an array', [valid], 'not a JSON object'],
    ['null', null, 'not a JSON object'],
    [
      'version 2',
      { ...valid, version: 2 },
      'unsupported watch message version 2; this service reads version 1',
    ],
    ['no version', { ...valid, version: undefined }, 'unsupported watch message version undefined'],
    ['a string version', { ...valid, version: '1' }, 'unsupported watch message version 1'],
    ['an unknown kind', { ...valid, kind: 'ConfigMap' }, 'kind'],
    ['an unknown event type', { ...valid, eventType: 'BOOKMARK' }, 'eventType'],
    ['a missing name', { ...valid, name: undefined }, 'name'],
    ['an upper-case namespace', { ...valid, namespace: 'Orders' }, 'namespace'],
    ['a bad cluster name', { ...valid, cluster: 'prod_weu' }, 'cluster'],
    ['a negative generation', { ...valid, generation: -1 }, 'generation'],
    ['a bad timestamp', { ...valid, observedAt: 'yesterday' }, 'observedAt'],
  ])('rejects %s as poison, naming the problem', (_label, body, text) => {
    const err = poisonOf(body);
    expect(err.code).toBe('InvalidInput');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain(text);
  });

  it('rejects unknown fields, so no Secret data can ride along, without echoing values', () => {
    const err = poisonOf({ ...valid, data: { KEY: 'c2VjcmV0LXZhbHVl' } });
    expect(err.problems.join(' ')).toContain('data');
    expect(err.message).not.toContain('c2VjcmV0LXZhbHVl');
  });
});

describe('watchMessageId', () => {
  it('is stable for one observed state and differs between states and objects', () => {
    expect(watchMessageId(valid)).toBe(watchMessageId({ ...valid, observedAt: '2027-01-01T00:00:00Z' }));
    expect(watchMessageId(valid)).not.toBe(watchMessageId({ ...valid, resourceVersion: '12346' }));
    expect(watchMessageId(valid)).not.toBe(watchMessageId({ ...valid, name: 'other' }));
    expect(watchMessageId(valid).length).toBeLessThanOrEqual(128);
  });
});
