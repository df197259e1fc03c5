import type { TokenCredential } from '@azure/core-auth';
import type { ServiceBusSender } from '@azure/service-bus';
import { ServiceBusClient } from '@azure/service-bus';

import { toServiceBusMessage } from '../shared/watch/watchServiceBusMessage.ts';
import type { WatchPublisher } from './WatchPublisher.ts';

/** The part of a `ServiceBusSender` the publisher uses (tests give a fake). */
export type ServiceBusSenderLike = Pick<ServiceBusSender, 'createMessageBatch' | 'sendMessages' | 'close'>;

/**
 * A {@link WatchPublisher} over a Service Bus sender: packs messages into as few batches as the size limit
 * allows and sends them in order. Rejects when any batch fails (the caller keeps every message and retries).
 * @param sender - a sender for the watch queue
 */
export function createServiceBusPublisher(sender: ServiceBusSenderLike): WatchPublisher {
  return {
    async publish(messages) {
      let batch = await sender.createMessageBatch();
      for (const m of messages) {
        const message = toServiceBusMessage(m);
        if (batch.tryAddMessage(message)) continue;
        if (batch.count === 0)
          throw new Error(`watch message ${message.messageId as string} exceeds the batch size`);
        await sender.sendMessages(batch);
        batch = await sender.createMessageBatch();
        if (!batch.tryAddMessage(message))
          throw new Error(`watch message ${message.messageId as string} exceeds the batch size`);
      }
      if (batch.count > 0) await sender.sendMessages(batch);
    },
    close: () => sender.close(),
  };
}

/** Where and how to reach the queue. */
export interface ServiceBusPublisherOptions {
  /** `<namespace>.servicebus.windows.net`. */
  readonly fullyQualifiedNamespace: string;
  readonly queueName: string;
  /** In AKS a `WorkloadIdentityCredential` (no stored secret); Azure Service Bus Data Sender on the queue. */
  readonly credential: TokenCredential;
  /** Bound of one send attempt (the watcher retries on its own schedule). Default 30 s. */
  readonly timeoutInMs?: number;
}

/**
 * Connects a {@link WatchPublisher} to a Service Bus queue with an Entra ID credential. The connection is
 * opened lazily on the first send; `close()` closes the sender and the client.
 * @param options - namespace, queue, credential
 */
export function connectServiceBusPublisher(options: ServiceBusPublisherOptions): WatchPublisher {
  const client = new ServiceBusClient(options.fullyQualifiedNamespace, options.credential, {
    retryOptions: { maxRetries: 2, timeoutInMs: options.timeoutInMs ?? 30_000 },
  });
  const publisher = createServiceBusPublisher(client.createSender(options.queueName));
  return {
    publish: (messages) => publisher.publish(messages),
    close: async () => {
      await publisher.close();
      await client.close();
    },
  };
}
