import type { EventGridEvent, InvocationContext } from '@azure/functions';

import names from '../infra/config/names.json' with { type: 'json' };
import { ErrorCode, isKeySyncError, KeySyncError } from '../shared/errors.ts';
import { classifyArmEvent } from '../shared/events/classifyArmEvent.ts';
import { handleArmChanges } from '../shared/events/handleArmChanges.ts';
import { errorFields } from '../shared/logging.ts';
import { app } from './azureFunctions.ts';
import type { ServicesProvider } from './compositionRoot.ts';
import { getServices } from './compositionRoot.ts';
import { contextLogger } from './contextLogger.ts';

/**
 * Event Grid trigger on the subscription's ARM system topic: a key regeneration, write or delete of a bound
 * resource refreshes every bound Secret in every cluster. Poison events are logged by ID and dropped;
 * retryable failures throw, so Event Grid redelivers (and finally dead-letters).
 * @param services - the composition root (tests pass their own)
 */
export function createArmEventHandler(services: ServicesProvider = getServices) {
  return async (event: EventGridEvent, context: InvocationContext): Promise<void> => {
    const logger = contextLogger(context);
    let change;
    try {
      change = await classifyArmEvent(event);
    } catch (err) {
      logger.warn({ eventId: eventIdOf(event), ...errorFields(err) }, 'poison event dropped');
      return;
    }
    if ('ignored' in change) {
      logger.debug({ eventId: change.eventId, reason: change.reason }, 'event ignored');
      return;
    }
    const outcome = await handleArmChanges((await services()).armEventDeps(logger), [change]);
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

/** The event's ID for log lines, whatever the event looks like. */
function eventIdOf(event: unknown): string {
  const id = (event as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id.slice(0, 64) : '(no id)';
}

app.eventGrid(names.functions.onArmEvent, { handler: createArmEventHandler() });
