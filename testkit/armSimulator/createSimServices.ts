import { buildArmEvent } from './ArmEvent.ts';
import type { EventBus } from './EventBus.ts';
import type { LongRunningOperations } from './LongRunningOperations.ts';
import type { ResourceStore } from './ResourceStore.ts';
import type { SimServices } from './SimRequest.ts';

/** What {@link createSimServices} assembles. */
export interface SimServiceParts {
  readonly store: ResourceStore;
  readonly operations: LongRunningOperations;
  readonly bus: EventBus;
  readonly tenantId: string;
  readonly baseUrl: string;
  readonly lroDurationInMs: number;
  readonly cosmosRegenerateEventAt: 'accepted' | 'completed';
}

/**
 * Assembles the services handlers use, including `publishFor`, which turns a successful request into the
 * event the subscription system topic publishes.
 * @param parts - store, operations, event bus and settings
 */
export function createSimServices(parts: SimServiceParts): SimServices {
  const { bus, tenantId, lroDurationInMs } = parts;
  return {
    store: parts.store,
    operations: parts.operations,
    bus,
    tenantId,
    baseUrl: parts.baseUrl,
    lroDurationInMs: () => lroDurationInMs,
    cosmosRegenerateEventAt: parts.cosmosRegenerateEventAt,
    publishFor: (req, eventType, resourceId, operation) =>
      bus.publish(
        buildArmEvent({
          eventType,
          resourceId,
          subscriptionId: resourceId.split('/')[2] ?? '',
          operationName: operation,
          principal: req.principal,
          tenantId,
          method: req.method,
          url: req.url.toString(),
          correlationId: req.correlationId,
          clientRequestId: req.clientRequestId,
          clientIpAddress: req.clientIpAddress,
        }),
      ),
  };
}
