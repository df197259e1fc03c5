import type { InvocationContext } from '@azure/functions';

import { isRetryable } from '../shared/errors.ts';
import { errorFields } from '../shared/logging.ts';
import { handleWatchMessage } from '../shared/watch/handleWatchMessage.ts';
import names from '../infra/config/names.json' with { type: 'json' };
import { app } from './azureFunctions.ts';
import type { ServicesProvider } from './compositionRoot.ts';
import { getServices } from './compositionRoot.ts';
import { contextLogger } from './contextLogger.ts';

/**
 * Service Bus queue trigger for cluster watch messages (design path 2). A retryable failure (cluster
 * unreachable, ARM throttled or unavailable) is thrown: the message is abandoned, delivered again, and
 * dead-lettered after the queue's `maxDeliveryCount`. Anything else that fails (an invalid message, an
 * unregistered cluster, a refusal) is poison: logged with the message ID and completed.
 * @param services - the composition root (tests pass their own)
 */
export function createWatchEventHandler(services: ServicesProvider = getServices) {
  return async (message: unknown, context: InvocationContext): Promise<void> => {
    const logger = contextLogger(context);
    const meta = context.triggerMetadata ?? {};
    const messageId = typeof meta.messageId === 'string' ? meta.messageId : undefined;
    const deliveryCount = typeof meta.deliveryCount === 'number' ? meta.deliveryCount : undefined;
    // Outside the try: a configuration error must not complete messages; they wait for a fixed app.
    const deps = (await services()).resyncDeps(logger);
    try {
      await handleWatchMessage(deps, message, { messageId });
    } catch (err) {
      if (isRetryable(err)) {
        logger.warn(
          { messageId, deliveryCount, ...errorFields(err) },
          'watch message failed; Service Bus delivers it again (dead-lettered after maxDeliveryCount)',
        );
        throw err;
      }
      const problems = (err as { problems?: readonly string[] }).problems;
      logger.error(
        { messageId, deliveryCount, ...errorFields(err), ...(problems?.length ? { problems } : {}) },
        'poison watch message completed without effect',
      );
    }
  };
}

app.serviceBusQueue(names.functions.onClusterWatchEvent, {
  connection: names.serviceBus.connection,
  queueName: names.serviceBus.watchQueue,
  handler: createWatchEventHandler(),
});
