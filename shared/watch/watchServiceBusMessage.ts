import type { ServiceBusMessage } from '@azure/service-bus';

import type { WatchMessage } from './WatchMessage.ts';
import { watchMessageId } from './WatchMessage.ts';
import type { WatchRetryState } from './watchRetryPolicy.ts';

/**
 * Application properties of a scheduled retry (beside `version`, `cluster` and `kind`). The body stays the
 * watch message as the watcher sent it: the schema rejects unknown fields, and the retry state is transport
 * metadata, not news about the object.
 */
export const WatchRetryProperty = {
  /** The retry's number, 1 for the first. */
  attempt: 'keysyncRetryAttempt',
  /** When the message first failed, ISO 8601 (the retry window is counted from it). */
  firstFailedAt: 'keysyncFirstFailedAt',
} as const;

/**
 * The Service Bus message for a watch message: JSON body, a deterministic `messageId` (duplicate detection
 * can drop resends), `subject` = the kind, and the version, cluster and kind as application properties (for
 * filtering and for Service Bus Explorer). Identifiers only: never Secret data.
 * @param m - the watch message
 */
export function toServiceBusMessage(m: WatchMessage): ServiceBusMessage {
  return {
    body: m,
    contentType: 'application/json',
    messageId: watchMessageId(m),
    subject: m.kind,
    applicationProperties: { version: m.version, cluster: m.cluster, kind: m.kind },
  };
}

/**
 * The copy of a watch message that is scheduled to be delivered again: the same body and properties, the
 * retry state as application properties, and `messageId` suffixed with the retry's number. The suffix keeps
 * a queue with duplicate detection from dropping the copy as a resend of the original, while a second copy
 * of the same retry (the original delivered twice) still has the same ID and can be dropped.
 * @param m - the watch message
 * @param retry - the retry's number and the time of the first failure
 */
export function toRetryServiceBusMessage(m: WatchMessage, retry: WatchRetryState): ServiceBusMessage {
  const message = toServiceBusMessage(m);
  return {
    ...message,
    messageId: `${message.messageId as string}-r${retry.attempt}`,
    applicationProperties: {
      ...message.applicationProperties,
      [WatchRetryProperty.attempt]: retry.attempt,
      [WatchRetryProperty.firstFailedAt]: new Date(retry.firstFailedAt).toISOString(),
    },
  };
}

/**
 * Reads the retry state from a delivered message's application properties (the Functions host passes them
 * as `triggerMetadata.applicationProperties`).
 * @param properties - the application properties, as delivered
 * @returns the state, or undefined for a message that was never retried (or whose properties are not ours)
 */
export function readWatchRetryState(properties: unknown): WatchRetryState | undefined {
  if (typeof properties !== 'object' || properties === null) return undefined;
  const p = properties as Record<string, unknown>;
  const attempt = Number(p[WatchRetryProperty.attempt]);
  const rawFirst = p[WatchRetryProperty.firstFailedAt];
  const firstFailedAt =
    typeof rawFirst === 'string' ? Date.parse(rawFirst) : rawFirst instanceof Date ? rawFirst.getTime() : NaN;
  if (!Number.isInteger(attempt) || attempt < 1 || !Number.isFinite(firstFailedAt)) return undefined;
  return { attempt, firstFailedAt };
}
