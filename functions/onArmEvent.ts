import type { InvocationContext } from '@azure/functions';

import names from '../infra/config/names.json' with { type: 'json' };
import { ErrorCode, isKeySyncError, KeySyncError } from '../shared/errors.ts';
import { handleArmEvent } from '../shared/events/handleArmEvent.ts';
import { errorFields } from '../shared/logging.ts';
import { app } from './azureFunctions.ts';
import type { ServicesProvider } from './compositionRoot.ts';
import { getServices } from './compositionRoot.ts';
import { contextLogger } from './contextLogger.ts';

/**
 * Event Grid trigger on the subscription's ARM system topic (Event Grid or CloudEvents 1.0 delivery schema): a
 * key regeneration, write or delete of a bound resource refreshes every bound Secret in every cluster. Poison
 * events are logged by ID and dropped; duplicates of a handled event are acknowledged; retryable failures
 * throw, so Event Grid redelivers (and finally dead-letters).
 * @param services - the composition root (tests pass their own)
 */
export function createArmEventHandler(services: ServicesProvider = getServices) {
  return async (event: unknown, context: InvocationContext): Promise<void> => {
    const logger = contextLogger(context);
    // Outside any catch: a configuration error must not drop events; they wait for a fixed app.
    const s = await services();
    const result = await handleArmEvent({ engine: s.armEventDeps(logger), claims: s.eventClaims }, event);
    switch (result.status) {
      case 'poison':
        logger.warn({ eventId: result.eventId, ...errorFields(result.error) }, 'poison event dropped');
        return;
      case 'ignored':
        logger.debug({ eventId: result.eventId, reason: result.reason }, 'event ignored');
        return;
      case 'duplicate':
        logger.info({ eventId: result.eventId }, 'duplicate of a handled event acknowledged');
        return;
    }
    const { change, outcome } = result;
    logger.info(
      {
        eventId: change.eventId,
        kind: change.kind,
        resourceId: change.resource.id,
        bindings: outcome.bindings.length,
        retryable: outcome.retryable.length,
      },
      'event handled',
    );
    const [first] = outcome.retryable;
    if (first) {
      throw new KeySyncError(
        isKeySyncError(first) ? first.code : ErrorCode.Internal,
        `event ${change.eventId}: ${first.message}`,
        {
          retryable: true,
          cause: first,
        },
      );
    }
  };
}

app.eventGrid(names.functions.onArmEvent, { handler: createArmEventHandler() });
