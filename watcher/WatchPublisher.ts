import type { WatchMessage } from '../shared/watch/WatchMessage.ts';

/**
 * Where the watcher sends cluster watch messages: the Service Bus queue in production
 * (`serviceBusPublisher.ts`), an in-process queue in tests and the demo
 * (`testkit/memoryQueue.ts`).
 */
export interface WatchPublisher {
  /**
   * Sends messages; resolves once the queue accepted all of them. On rejection the caller keeps them and
   * tries again later (a message may then be sent twice: harmless, messages are hints).
   */
  publish(messages: readonly WatchMessage[]): Promise<void>;
  /** Releases connections. */
  close(): Promise<void>;
}
