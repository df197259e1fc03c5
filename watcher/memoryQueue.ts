import type { WatchMessage } from '../shared/watch/WatchMessage.ts';
import { watchMessageId } from '../shared/watch/WatchMessage.ts';
import type { WatchPublisher } from './WatchPublisher.ts';

/** A message in the {@link MemoryQueue}, as a Service Bus receiver would see it. */
export interface QueuedMessage {
  readonly messageId: string;
  /** The body after a JSON round trip, as the Functions host hands it to the trigger. */
  readonly body: unknown;
  /** 1 on the first delivery. */
  deliveryCount: number;
}

/** A consumer: resolves to complete the message, throws to abandon it (it is delivered again). */
export type QueueHandler = (
  body: unknown,
  meta: { messageId: string; deliveryCount: number },
) => Promise<void>;

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
 * An in-process stand-in for the Service Bus queue with peek-lock semantics: a {@link WatchPublisher} for the
 * watcher, and a consumer side that delivers each message to a handler, completes it when the handler
 * resolves, delivers it again when the handler throws, and dead-letters it after `maxDeliveryCount`
 * deliveries. `setOffline(true)` makes `publish` fail, as an unreachable namespace would.
 */
export class MemoryQueue implements WatchPublisher {
  /** Messages dead-lettered, with the reason Service Bus would give. */
  readonly deadLetters: Array<{ readonly message: QueuedMessage; readonly reason: string }> = [];
  /** Every message ever accepted, in order (tests inspect what the watcher sent). */
  readonly accepted: QueuedMessage[] = [];
  #ready: QueuedMessage[] = [];
  #completed = 0;
  #inHand = 0;
  #offline = false;
  #wake: (() => void) | undefined;
  readonly #maxDeliveryCount: number;

  constructor(options: MemoryQueueOptions = {}) {
    this.#maxDeliveryCount = options.maxDeliveryCount ?? 5;
  }

  /** Messages waiting for delivery. */
  get length(): number {
    return this.#ready.length;
  }

  /** Messages completed by a handler. */
  get completed(): number {
    return this.#completed;
  }

  /** True when nothing waits and nothing is being handled. */
  get idle(): boolean {
    return this.#ready.length === 0 && this.#inHand === 0;
  }

  /**
   * Makes `publish` reject (true) or accept (false) messages.
   * @param offline - whether the queue is unreachable
   */
  setOffline(offline: boolean): void {
    this.#offline = offline;
  }

  publish(messages: readonly WatchMessage[]): Promise<void> {
    if (this.#offline) return Promise.reject(new Error('memory queue is offline'));
    for (const m of messages) {
      const queued = {
        messageId: watchMessageId(m),
        body: JSON.parse(JSON.stringify(m)) as unknown,
        deliveryCount: 0,
      };
      this.#ready.push(queued);
      this.accepted.push(queued);
    }
    this.#wake?.();
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
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
      await handler(message.body, { messageId: message.messageId, deliveryCount: message.deliveryCount });
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
   * Delivers messages until none is waiting (redeliveries included).
   * @param handler - the consumer
   * @returns how many deliveries were made
   */
  async drain(handler: QueueHandler): Promise<number> {
    let n = 0;
    while (await this.deliverNext(handler)) n += 1;
    return n;
  }

  /**
   * Starts a consumer loop that delivers messages as they arrive, one at a time, until stopped.
   * @param handler - the consumer
   */
  startConsumer(handler: QueueHandler): QueueConsumer {
    let running = true;
    const loop = (async () => {
      while (running) {
        if (await this.deliverNext(handler)) continue;
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
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
}
