import { describe, expect, it } from '@jest/globals';

import type { WatchMessage } from '../../../shared/watch/WatchMessage.ts';
import { parseWatchMessage, watchMessageId } from '../../../shared/watch/WatchMessage.ts';
import {
  readWatchRetryState,
  toRetryServiceBusMessage,
  toServiceBusMessage,
} from '../../../shared/watch/watchServiceBusMessage.ts';

const message: WatchMessage = {
  version: 1,
  cluster: 'prod-weu',
  kind: 'Secret',
  eventType: 'modified',
  namespace: 'orders',
  name: 'orders-storage',
  resourceVersion: '42',
  owner: 'orders-storage',
  observedAt: '2026-11-25T10:00:00Z',
};

describe('watch messages on Service Bus', () => {
  it('sends JSON bodies with a deterministic messageId, the kind as subject and identifying properties', () => {
    const sb = toServiceBusMessage(message);
    expect(sb).toEqual({
      body: message,
      contentType: 'application/json',
      messageId: watchMessageId(message),
      subject: 'Secret',
      applicationProperties: { version: 1, cluster: 'prod-weu', kind: 'Secret' },
    });
    // What the function receives is the body: it passes the handler's validation unchanged.
    expect(parseWatchMessage(JSON.parse(JSON.stringify(sb.body)))).toEqual(message);
  });

  it('a retry copy keeps the body and properties, adds the retry state and a per-retry messageId', () => {
    const firstFailedAt = Date.parse('2026-11-25T10:00:01.500Z');
    const sb = toRetryServiceBusMessage(message, { attempt: 3, firstFailedAt });
    expect(sb).toEqual({
      body: message,
      contentType: 'application/json',
      messageId: `${watchMessageId(message)}-r3`,
      subject: 'Secret',
      applicationProperties: {
        version: 1,
        cluster: 'prod-weu',
        kind: 'Secret',
        keysyncRetryAttempt: 3,
        keysyncFirstFailedAt: '2026-11-25T10:00:01.500Z',
      },
    });
    // The body is still a valid version-1 message: the retry state travels beside it, not in it.
    expect(parseWatchMessage(JSON.parse(JSON.stringify(sb.body)))).toEqual(message);
    // Service Bus caps messageId at 128 characters.
    expect((sb.messageId as string).length).toBeLessThanOrEqual(128);
  });

  it('reads the retry state back from the properties as the host delivers them', () => {
    const firstFailedAt = Date.parse('2026-11-25T10:00:01.500Z');
    const sent = toRetryServiceBusMessage(message, { attempt: 2, firstFailedAt }).applicationProperties;
    const delivered: unknown = JSON.parse(JSON.stringify(sent));
    expect(readWatchRetryState(delivered)).toEqual({ attempt: 2, firstFailedAt });
    expect(
      readWatchRetryState({ keysyncRetryAttempt: '2', keysyncFirstFailedAt: new Date(firstFailedAt) }),
    ).toEqual({ attempt: 2, firstFailedAt });
  });

  it('treats a message without (valid) retry state as never retried', () => {
    expect(readWatchRetryState(undefined)).toBeUndefined();
    expect(readWatchRetryState(toServiceBusMessage(message).applicationProperties)).toBeUndefined();
    expect(
      readWatchRetryState({ keysyncRetryAttempt: 0, keysyncFirstFailedAt: '2026-11-25T10:00:00Z' }),
    ).toBe(undefined);
    expect(
      readWatchRetryState({ keysyncRetryAttempt: 1.5, keysyncFirstFailedAt: '2026-11-25T10:00:00Z' }),
    ).toBe(undefined);
    expect(
      readWatchRetryState({ keysyncRetryAttempt: 1, keysyncFirstFailedAt: 'yesterday' }),
    ).toBeUndefined();
  });
});
