import { randomUUID } from 'node:crypto';

import type { ServiceBusMessage } from '@azure/service-bus';

import type { WatchMessage } from '../shared/watch/WatchMessage.ts';
import type { WatchRedelivery } from '../shared/watch/WatchRedelivery.ts';
import { toServiceBusMessage } from '../shared/watch/watchServiceBusMessage.ts';
import type { WatchPublisher } from '../watcher/WatchPublisher.ts';

/** A message in the {@link MemoryQueue}, as a Service Bus receiver would see it. */
export interface QueuedMessage {
  readonly messageId: string;
  /** The body after a JSON round trip, as the Functions host hands it to the trigger. */
  readonly body: unknown;
  /** As the Functions host hands them over (`triggerMetadata.applicationProperties`). */
  readonly applicationProperties: Readonly<Record<string, unknown>>;
  /** For a scheduled message: when it became (or becomes) visible. */
  readonly scheduledEnqueueTime?: Date;
  /** 1 on the first delivery. */
  deliveryCount: number;
}

/**
 * What the consumer is told about a delivery: the trigger metadata the Functions host passes for a Service
 * Bus message (the subset this project reads), so it can be handed to `InvocationContext` as it is.
 */
export interface DeliveryMeta {
  readonly messageId: string;
  readonly deliveryCount: number;
  readonly applicationProperties: Readonly<Record<string, unknown>>;
}

/** A consumer: resolves to complete the message, throws to abandon it (it is delivered again). */
export type QueueHandler = (body: unknown, meta: DeliveryMeta) => Promise<void>;

/** Options of {@link MemoryQueue}. */
export interface MemoryQueueOptions {
  /** Deliveries before a message is dead-lettered (Service Bus `maxDeliveryCount`; 5 as in serviceBus.bicep). */
  readonly maxDeliveryCount?: number;
}

/** A running consumer loop. */
export interface QueueConsumer {
  /** Stops after the message in hand (if any); resolves when the loop has ended. */
  stop(): Promise<void>;
}

/**
 * An in-process stand-in for the Service Bus watch queue, for the tests and the demo. Peek-lock semantics: a
 * consumer side delivers each message to a handler, completes it when the handler resolves, delivers it
 * again at once when the handler throws (as Service Bus does: no delay), and dead-letters it after
 * `maxDeliveryCount` deliveries. It is the watcher's {@link WatchPublisher} and the trigger's
 * {@link WatchRedelivery}: `schedule` holds a message until its enqueue time, as Service Bus scheduled
 * messages are held. `setOffline(true)` makes `publish` and `schedule` fail, as an unreachable namespace would.
 */
export class MemoryQueue implements WatchPublisher, WatchRedelivery {
  /** Messages dead-lettered, with the reason Service Bus would give. */
  readonly deadLetters: Array<{ readonly message: QueuedMessage; readonly reason: string }> = [];
  /** Every message ever accepted (published or scheduled), in order (tests inspect what was sent). */
  readonly accepted: QueuedMessage[] = [];
  #ready: QueuedMessage[] = [];
  readonly #scheduled = new Map<QueuedMessage, NodeJS.Timeout>();
  #completed = 0;
  #inHand = 0;
  #offline = false;
  #wake: (() => void) | undefined;
  readonly #maxDeliveryCount: number;

  constructor(options: MemoryQueueOptions = {}) {
    this.#maxDeliveryCount = options.maxDeliveryCount ?? 5;
  }

  /** Messages waiting for delivery (scheduled ones not yet due excluded). */
  get length(): number {
    return this.#ready.length;
  }

  /** Scheduled messages not yet due. */
  get scheduled(): number {
    return this.#scheduled.size;
  }

  /** Messages completed by a handler. */
  get completed(): number {
    return this.#completed;
  }

  /** True when nothing waits, nothing is scheduled and nothing is being handled. */
  get idle(): boolean {
    return this.#ready.length === 0 && this.#scheduled.size === 0 && this.#inHand === 0;
  }

  /**
   * Makes `publish` and `schedule` reject (true) or accept (false) messages.
   * @param offline - whether the queue is unreachable
   */
  setOffline(offline: boolean): void {
    this.#offline = offline;
  }

  publish(messages: readonly WatchMessage[]): Promise<void> {
    if (this.#offline) return Promise.reject(new Error('memory queue is offline'));
    for (const m of messages) this.#enqueue(this.#accept(toServiceBusMessage(m)));
    return Promise.resolve();
  }

  /**
   * Holds `message` until `enqueueAt`, then makes it deliverable (a Service Bus scheduled message).
   * @param message - the message, as it would be given to `ServiceBusSender.scheduleMessages`
   * @param enqueueAt - when it becomes visible
   */
  schedule(message: ServiceBusMessage, enqueueAt: Date): Promise<void> {
    if (this.#offline) return Promise.reject(new Error('memory queue is offline'));
    const queued = this.#accept(message, enqueueAt);
    const timer = setTimeout(
      () => {
        this.#scheduled.delete(queued);
        this.#enqueue(queued);
      },
      Math.max(0, enqueueAt.getTime() - Date.now()),
    );
    // A forgotten queue must not keep a test or the demo process alive.
    timer.unref();
    this.#scheduled.set(queued, timer);
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** Drops scheduled messages that are not due yet (end of a test). */
  clearScheduled(): void {
    for (const timer of this.#scheduled.values()) clearTimeout(timer);
    this.#scheduled.clear();
  }

  /**
   * Delivers the next waiting message to `handler` (peek-lock: complete on success, abandon on failure).
   * @param handler - the consumer
   * @returns false when no message was waiting
   */
  async deliverNext(handler: QueueHandler): Promise<boolean> {
    const message = this.#ready.shift();
    if (!message) return false;
    message.deliveryCount += 1;
    this.#inHand += 1;
    try {
      await handler(message.body, {
        messageId: message.messageId,
        deliveryCount: message.deliveryCount,
        applicationProperties: message.applicationProperties,
      });
      this.#completed += 1;
    } catch {
      if (message.deliveryCount >= this.#maxDeliveryCount) {
        this.deadLetters.push({ message, reason: 'MaxDeliveryCountExceeded' });
      } else {
        this.#ready.push(message);
      }
    } finally {
      this.#inHand -= 1;
    }
    return true;
  }

  /**
   * Delivers messages until none is waiting (redeliveries included; scheduled messages not yet due are not
   * waited for).
   * @param handler - the consumer
   * @returns how many deliveries were made
   */
  async drain(handler: QueueHandler): Promise<number> {
    let n = 0;
    while (await this.deliverNext(handler)) n += 1;
    return n;
  }

  /**
   * Starts a consumer loop that delivers messages as they arrive (or fall due), one at a time, until stopped.
   * @param handler - the consumer
   */
  startConsumer(handler: QueueHandler): QueueConsumer {
    let running = true;
    const loop = (async () => {
      while (running) {
        if (await this.deliverNext(handler)) continue;
        await new Promise<void>((resolve) => {
          // A message may have arrived while deliverNext was settling: then there is nothing to wait for.
          if (this.#ready.length > 0) resolve();
          else this.#wake = resolve;
        });
        this.#wake = undefined;
      }
    })();
    return {
      stop: async () => {
        running = false;
        this.#wake?.();
        await loop;
      },
    };
  }

  /** The message as the trigger would receive it: body after a JSON round trip, properties copied. */
  #accept(message: ServiceBusMessage, scheduledEnqueueTime?: Date): QueuedMessage {
    const queued: QueuedMessage = {
      messageId: typeof message.messageId === 'string' ? message.messageId : randomUUID(),
      body: JSON.parse(JSON.stringify(message.body)) as unknown,
      applicationProperties: { ...message.applicationProperties },
      ...(scheduledEnqueueTime ? { scheduledEnqueueTime } : {}),
      deliveryCount: 0,
    };
    this.accepted.push(queued);
    return queued;
  }

  #enqueue(message: QueuedMessage): void {
    this.#ready.push(message);
    this.#wake?.();
  }
}
