import type { TokenCredential } from '@azure/core-auth';
import type { ServiceBusSender } from '@azure/service-bus';
import { ServiceBusClient } from '@azure/service-bus';

import type { WatchRedelivery } from './WatchRedelivery.ts';

/** The part of a `ServiceBusSender` the redelivery uses (tests give a fake). */
export type ScheduleSenderLike = Pick<ServiceBusSender, 'scheduleMessages'>;

/**
 * A {@link WatchRedelivery} over a Service Bus sender: `scheduleMessages` with the enqueue time, which the
 * broker holds and enqueues then (scheduled messages are available on every tier, Basic included). The
 * sequence number it returns is not kept: a retry is never cancelled.
 * @param sender - a sender for the watch queue
 */
export function createServiceBusRedelivery(sender: ScheduleSenderLike): WatchRedelivery {
  return {
    async schedule(message, enqueueAt) {
      await sender.scheduleMessages(message, enqueueAt);
    },
  };
}

/** Where and how to reach the queue. */
export interface ServiceBusRedeliveryOptions {
  /** `<namespace>.servicebus.windows.net` (the trigger connection's `__fullyQualifiedNamespace`). */
  readonly fullyQualifiedNamespace: string;
  readonly queueName: string;
  /** The function app's identity; it needs Azure Service Bus Data Sender on the queue (infra/app/rbac.bicep). */
  readonly credential: TokenCredential;
  /** Bound of one attempt to schedule (the client tries up to three times). Default 10 s. */
  readonly timeoutInMs?: number;
}

/**
 * Connects a {@link WatchRedelivery} to the watch queue with an Entra ID credential. The AMQP connection is
 * opened on the first retry, not at start-up; the function app keeps it for the life of the process.
 * @param options - namespace, queue, credential
 * @returns the redelivery, and `close()` for the sender and the client
 */
export function connectServiceBusRedelivery(
  options: ServiceBusRedeliveryOptions,
): WatchRedelivery & { close(): Promise<void> } {
  const client = new ServiceBusClient(options.fullyQualifiedNamespace, options.credential, {
    retryOptions: { maxRetries: 2, timeoutInMs: options.timeoutInMs ?? 10_000 },
  });
  const sender = client.createSender(options.queueName);
  return {
    ...createServiceBusRedelivery(sender),
    close: async () => {
      await sender.close();
      await client.close();
    },
  };
}
