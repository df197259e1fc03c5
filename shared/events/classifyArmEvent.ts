import type { EventGridEvent } from '@azure/eventgrid';

import eventOperations from '../../infra/config/eventOperations.json' with { type: 'json' };
import { parseResourceId } from '../arm/parseResourceId.ts';
import { ErrorCode, isKeySyncError, ValidationError } from '../errors.ts';
import type { ArmChange, ArmChangeKind, IgnoredEvent } from './ArmChange.ts';

/** Which event type carries which kind of operation (the names come from infra/config/eventOperations.json). */
const kinds: ReadonlyArray<{ kind: ArmChangeKind; eventType: string; operations: ReadonlySet<string> }> = [
  {
    kind: 'keys',
    eventType: 'microsoft.resources.resourceactionsuccess',
    operations: lower(eventOperations.regenerateKey),
  },
  {
    kind: 'write',
    eventType: 'microsoft.resources.resourcewritesuccess',
    operations: lower(eventOperations.write),
  },
  {
    kind: 'delete',
    eventType: 'microsoft.resources.resourcedeletesuccess',
    operations: lower(eventOperations.delete),
  },
];
const maxIdLength = 2048;
/** Loaded on first use: keeps @azure/eventgrid (and its HTTP pipeline) off the function app's start-up path. */
let deserializer:
  | Promise<{ deserializeEventGridEvents(e: Record<string, unknown>): Promise<EventGridEvent<unknown>[]> }>
  | undefined;
const getDeserializer = () =>
  (deserializer ??= import('@azure/eventgrid').then((m) => new m.EventGridDeserializer()));

/**
 * Validates one Event Grid event (Event Grid schema, as the Functions trigger hands it over) and says what it
 * means: a key regeneration, a write or a delete of a supported resource, or nothing we act on. Everything
 * compares case-insensitively. Our own `listKeys/action` calls come back as events too: they are ignored, so
 * they can never cause another listKeys.
 * @param raw - the event object
 * @returns the change, or why the event is ignored
 * @throws ValidationError (`InvalidInput`) naming the event ID and the problem, for poison events
 */
export async function classifyArmEvent(raw: unknown): Promise<ArmChange | IgnoredEvent> {
  const id =
    typeof (raw as { id?: unknown } | null)?.id === 'string' ? (raw as { id: string }).id : '(no id)';
  const poison = (problem: string) =>
    new ValidationError(
      ErrorCode.InvalidInput,
      `Event Grid event ${id.slice(0, 64)}: ${problem}`,
      [problem],
      {
        details: { eventId: id.slice(0, 64) },
      },
    );
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw poison('not an event object');
  let event;
  try {
    [event] = await (await getDeserializer()).deserializeEventGridEvents(raw as Record<string, unknown>);
  } catch (err) {
    throw poison(err instanceof Error ? err.message : 'not an Event Grid event');
  }
  if (!event) throw poison('empty');
  const eventType = event.eventType.toLowerCase();
  const data = (event.data ?? {}) as { operationName?: unknown; resourceUri?: unknown };
  const operationName = typeof data.operationName === 'string' ? data.operationName : undefined;
  const match = kinds.find((k) => k.eventType === eventType);
  if (!match)
    return { ignored: true, eventId: event.id, reason: `event type ${event.eventType} is not acted on` };
  if (!operationName) throw poison('data.operationName is missing');
  if (!match.operations.has(operationName.toLowerCase())) {
    return { ignored: true, eventId: event.id, reason: `operation ${operationName} does not change keys` };
  }
  if (event.subject.length > maxIdLength) throw poison('subject is too long to be a resource ID');
  let resource;
  try {
    resource = parseResourceId(event.subject);
  } catch (err) {
    throw poison(isKeySyncError(err) ? err.message : 'subject is not an ARM resource ID');
  }
  const opType = operationName.toLowerCase().split('/').slice(0, 2).join('/');
  if (opType !== resource.resourceType) {
    throw poison(
      `operation ${operationName} does not apply to resource type ${resource.resourceType}, which is not supported`,
    );
  }
  if (typeof data.resourceUri === 'string' && data.resourceUri.toLowerCase() !== resource.key) {
    throw poison('subject and data.resourceUri name different resources');
  }
  return { kind: match.kind, resource, eventId: event.id, eventTime: event.eventTime, operationName };
}

function lower(names: readonly string[]): ReadonlySet<string> {
  return new Set(names.map((n) => n.toLowerCase()));
}
