import type { ServiceBusMessage } from '@azure/service-bus';

/**
 * Where a watch message that failed for a passing reason goes to be delivered again later: the watch queue
 * itself, as a scheduled message (`shared/watch/serviceBusRedelivery.ts`), or the in-process queue of the
 * tests and the demo (`testkit/memoryQueue.ts`).
 */
export interface WatchRedelivery {
  /**
   * Enqueues `message` so that it is delivered at `enqueueAt`, not before.
   * @param message - the copy to deliver (see `toRetryServiceBusMessage`)
   * @param enqueueAt - when it becomes visible to the trigger
   * @returns resolves once the queue has accepted it; rejects when it has not (the caller then lets the
   *   delivery in hand fail, so that it is not lost)
   */
  schedule(message: ServiceBusMessage, enqueueAt: Date): Promise<void>;
}
