import type { InvocationContext } from '@azure/functions';

import { isRetryable } from '../shared/errors.ts';
import type { Logger } from '../shared/logging.ts';
import { errorFields } from '../shared/logging.ts';
import { handleWatchMessage } from '../shared/watch/handleWatchMessage.ts';
import type { WatchRetryDeps } from '../shared/watch/retryWatchMessage.ts';
import { retryWatchMessage } from '../shared/watch/retryWatchMessage.ts';
import names from '../infra/config/names.json' with { type: 'json' };
import { app } from './azureFunctions.ts';
import type { ServicesProvider } from './compositionRoot.ts';
import { getServices } from './compositionRoot.ts';
import { contextLogger } from './contextLogger.ts';

/** What identifies the delivery in log lines. */
interface Delivery {
  readonly messageId: string | undefined;
  readonly deliveryCount: number | undefined;
}

/** The delivered message. */
interface Received {
  readonly body: unknown;
  /** `triggerMetadata.applicationProperties`: carries the retry state of a scheduled copy. */
  readonly applicationProperties: unknown;
  readonly delivery: Delivery;
}

/**
 * Service Bus queue trigger for cluster watch messages (design path 2). Service Bus itself would redeliver a
 * failed message at once and dead-letter it after `maxDeliveryCount` (5): a one-minute outage would lose it.
 * So a retryable failure (cluster unreachable, ARM throttled or unavailable) schedules a copy of the message
 * on the queue for later, with exponential backoff over the retry window (`shared/watch/retryWatchMessage.ts`,
 * `KEYSYNC_WATCH_RETRY_*`), and the delivery in hand completes. The delivery fails (thrown: Service Bus
 * delivers it again) only when the copy could not be scheduled, or when the window is spent: then it is
 * dead-lettered after `maxDeliveryCount`. Anything else that fails (an invalid message, an unregistered
 * cluster, a refusal) is poison: logged with the message ID and completed.
 * @param services - the composition root (tests pass their own)
 * @param retry - clock and jitter of the retries (tests fix them)
 */
export function createWatchEventHandler(
  services: ServicesProvider = getServices,
  retry: Pick<WatchRetryDeps, 'now' | 'random'> = {},
) {
  return async (message: unknown, context: InvocationContext): Promise<void> => {
    const logger = contextLogger(context);
    const meta = context.triggerMetadata ?? {};
    const delivery: Delivery = {
      messageId: typeof meta.messageId === 'string' ? meta.messageId : undefined,
      deliveryCount: typeof meta.deliveryCount === 'number' ? meta.deliveryCount : undefined,
    };
    // Outside the try: a configuration error must not complete messages; they wait for a fixed app.
    const svc = await services();
    try {
      await handleWatchMessage(svc.engineDeps(logger), message, { messageId: delivery.messageId });
    } catch (err) {
      if (!isRetryable(err)) {
        const problems = (err as { problems?: readonly string[] }).problems;
        logger.error(
          { ...delivery, ...errorFields(err), ...(problems?.length ? { problems } : {}) },
          'poison watch message completed without effect',
        );
        return;
      }
      const deps = { ...retry, redelivery: svc.watchRedelivery, policy: svc.config.watchRetry };
      const received = { body: message, applicationProperties: meta.applicationProperties, delivery };
      await retryLater(deps, received, err, logger);
    }
  };
}

/** Schedules the retry and returns (the delivery completes), or throws (Service Bus delivers it again). */
async function retryLater(
  deps: WatchRetryDeps,
  received: Received,
  err: unknown,
  logger: Logger,
): Promise<void> {
  const { delivery } = received;
  let outcome;
  try {
    outcome = await retryWatchMessage(deps, received.body, received, err);
  } catch (scheduleErr) {
    const cause = errorFields(scheduleErr);
    logger.error(
      {
        ...delivery,
        ...errorFields(err),
        scheduleError: cause.error,
        scheduleErrorCode: cause.errorCode,
        scheduleErrorMessage: cause.errorMessage,
      },
      'watch message failed and its retry could not be scheduled; Service Bus delivers it again at once',
    );
    throw err;
  }
  switch (outcome.kind) {
    case 'scheduled':
      logger.warn(
        {
          ...delivery,
          ...errorFields(err),
          retryAttempt: outcome.attempt,
          retryInMs: outcome.delayInMs,
          retryMessageId: outcome.messageId,
        },
        'watch message failed; retry scheduled',
      );
      return;
    case 'exhausted':
      logger.error(
        { ...delivery, ...errorFields(err), retries: outcome.attempts, elapsedInMs: outcome.elapsedInMs },
        'watch message failed and its retry window is spent; dead-lettered after maxDeliveryCount',
      );
      throw err;
    case 'unavailable':
      logger.warn(
        { ...delivery, ...errorFields(err) },
        'watch message failed; no Service Bus namespace to schedule a retry, so Service Bus delivers it ' +
          'again at once (dead-lettered after maxDeliveryCount)',
      );
      throw err;
  }
}

app.serviceBusQueue(names.functions.onClusterWatchEvent, {
  connection: names.serviceBus.connection,
  // The queue name is the app setting the Bicep writes from names.json (KEYSYNC_WATCH_QUEUE).
  queueName: `%${names.appSettings.watchQueue}%`,
  handler: createWatchEventHandler(),
});
