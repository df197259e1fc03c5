import { randomUUID } from 'node:crypto';
import type { SimPrincipal } from './SimPrincipal.ts';

/** Event types of the Azure-subscription system topic that the simulator raises. */
export type ArmEventType =
  | 'Microsoft.Resources.ResourceActionSuccess'
  | 'Microsoft.Resources.ResourceWriteSuccess'
  | 'Microsoft.Resources.ResourceDeleteSuccess';

/** `data` of an ARM event (dataVersion 2). */
export interface ArmEventData {
  authorization: {
    scope: string;
    action: string;
    evidence: {
      role: string;
      roleAssignmentScope: string;
      roleAssignmentId: string;
      roleDefinitionId: string;
      principalId: string;
      principalType: string;
    };
  };
  claims: Record<string, string>;
  correlationId: string;
  httpRequest: { clientRequestId: string; clientIpAddress: string; method: string; url: string };
  resourceProvider: string;
  resourceUri: string;
  operationName: string;
  status: 'Succeeded';
  subscriptionId: string;
  tenantId: string;
}

/** An event in the Event Grid schema, as the Azure-subscription system topic publishes it. */
export interface ArmEvent {
  topic: string;
  subject: string;
  eventType: ArmEventType;
  eventTime: string;
  id: string;
  data: ArmEventData;
  dataVersion: '2';
  metadataVersion: '1';
}

/** Delivery schemas of an event subscription (the `eventDeliverySchema` values of the ARM API). */
export type EventDeliverySchema = 'EventGridSchema' | 'CloudEventSchemaV1_0';

/**
 * The same event in the CloudEvents 1.0 schema, as Event Grid delivers it to a subscription created with
 * `eventDeliverySchema: 'CloudEventSchemaV1_0'`: `source` is the topic, `type` the event type, `time` the event
 * time; `subject`, `id` and `data` are unchanged (https://learn.microsoft.com/azure/event-grid/cloud-event-schema).
 */
export interface ArmCloudEvent {
  specversion: '1.0';
  type: ArmEventType;
  source: string;
  subject: string;
  id: string;
  time: string;
  data: ArmEventData;
}

/** An event as one delivery schema or the other carries it. */
export type DeliveredArmEvent = ArmEvent | ArmCloudEvent;

/**
 * The event in a delivery schema.
 * @param event - the event (Event Grid schema, as published)
 * @param schema - the subscription's delivery schema (default `EventGridSchema`: the event itself)
 */
export function inDeliverySchema(
  event: ArmEvent,
  schema: EventDeliverySchema = 'EventGridSchema',
): DeliveredArmEvent {
  if (schema === 'EventGridSchema') return event;
  return {
    specversion: '1.0',
    type: event.eventType,
    source: event.topic,
    subject: event.subject,
    id: event.id,
    time: event.eventTime,
    data: event.data,
  };
}

/** The request an event describes. */
export interface ArmEventSource {
  readonly eventType: ArmEventType;
  /** Resource ID of the target resource (becomes `subject` and `data.resourceUri`). */
  readonly resourceId: string;
  readonly subscriptionId: string;
  /** Canonical operation name, e.g. `Microsoft.Storage/storageAccounts/regenerateKey/action`. */
  readonly operationName: string;
  readonly principal: SimPrincipal;
  readonly tenantId: string;
  readonly method: string;
  /** Full request URL. */
  readonly url: string;
  readonly correlationId: string;
  readonly clientRequestId: string;
  readonly clientIpAddress: string;
}

/**
 * The event type ARM raises for a successful request with this method: POST -> ResourceActionSuccess,
 * PUT/PATCH -> ResourceWriteSuccess, DELETE -> ResourceDeleteSuccess, GET -> none.
 */
export function eventTypeForMethod(method: string): ArmEventType | null {
  switch (method.toUpperCase()) {
    case 'POST':
      return 'Microsoft.Resources.ResourceActionSuccess';
    case 'PUT':
    case 'PATCH':
      return 'Microsoft.Resources.ResourceWriteSuccess';
    case 'DELETE':
      return 'Microsoft.Resources.ResourceDeleteSuccess';
    default:
      return null;
  }
}

/** Builtin Contributor role definition (as ARM's evidence names it, without dashes). */
const contributorRoleDefinitionId = 'b24988ac618042a0ab8820f7382dd24c';

/**
 * Builds the event the subscription system topic publishes for a successful request.
 * @param source - what happened
 * @param now - event time
 */
export function buildArmEvent(source: ArmEventSource, now: Date = new Date()): ArmEvent {
  const subscriptionScope = `/subscriptions/${source.subscriptionId}`;
  return {
    topic: subscriptionScope,
    subject: source.resourceId,
    eventType: source.eventType,
    eventTime: eventTime(now),
    id: randomUUID(),
    data: {
      authorization: {
        scope: source.resourceId,
        action: source.operationName,
        evidence: {
          role: 'Contributor',
          roleAssignmentScope: subscriptionScope,
          roleAssignmentId: source.principal.objectId.replaceAll('-', '').split('').reverse().join(''),
          roleDefinitionId: contributorRoleDefinitionId,
          principalId: source.principal.objectId.replaceAll('-', ''),
          principalType: source.principal.principalType,
        },
      },
      claims: {
        aud: 'https://management.core.windows.net/',
        iss: `https://sts.windows.net/${source.tenantId}/`,
        appid: source.principal.appId,
        'http://schemas.microsoft.com/identity/claims/objectidentifier': source.principal.objectId,
        'http://schemas.microsoft.com/identity/claims/tenantid': source.tenantId,
        ver: '1.0',
      },
      correlationId: source.correlationId,
      httpRequest: {
        clientRequestId: source.clientRequestId,
        clientIpAddress: source.clientIpAddress,
        method: source.method,
        url: source.url,
      },
      resourceProvider: source.operationName.split('/')[0] ?? '',
      resourceUri: source.resourceId,
      operationName: source.operationName,
      status: 'Succeeded',
      subscriptionId: source.subscriptionId,
      tenantId: source.tenantId,
    },
    dataVersion: '2',
    metadataVersion: '1',
  };
}

/** ISO time with seven fractional digits, as Event Grid writes it (`2026-11-20T10:15:42.1234567Z`). */
function eventTime(d: Date): string {
  return d.toISOString().replace(/Z$/, '0000Z');
}
