import type { CloudEvent, EventGridEvent } from '@azure/eventgrid';

import eventOperations from '../../infra/config/eventOperations.json' with { type: 'json' };
import type { ArmResourceId } from '../arm/parseResourceId.ts';
import { parseResourceId } from '../arm/parseResourceId.ts';
import { ErrorCode, isKeySyncError, KeySyncError, ValidationError } from '../errors.ts';
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
/** Events name machine-written resource IDs: one trailing slash is tolerated (see parseResourceId). */
const eventIdSpelling = { allowTrailingSlash: true } as const;

/** The part of `@azure/eventgrid`'s `EventGridDeserializer` the classifier uses (both delivery schemas). */
export interface EventDeserializer {
  deserializeEventGridEvents(e: Record<string, unknown>): Promise<EventGridEvent<unknown>[]>;
  deserializeCloudEvents(e: Record<string, unknown>): Promise<CloudEvent<unknown>[]>;
}

/** Supplies the deserializer (the default imports `@azure/eventgrid` on first use; tests inject failures). */
export type LoadEventDeserializer = () => Promise<EventDeserializer>;

/** Options of {@link classifyArmEvent}. */
export interface ClassifyArmEventOptions {
  /** Default: {@link loadEventGridDeserializer}. */
  readonly loadDeserializer?: LoadEventDeserializer;
}

/**
 * A loader that imports the SDK once and remembers it; a failed import is not remembered, so the next delivery
 * tries again (a cached rejection would turn one bad start into every later event failing).
 * @param importSdk - imports `@azure/eventgrid`
 */
export function createDeserializerLoader(
  importSdk: () => Promise<{ EventGridDeserializer: new () => EventDeserializer }>,
): LoadEventDeserializer {
  let loaded: Promise<EventDeserializer> | undefined;
  return () =>
    (loaded ??= importSdk()
      .then((m) => new m.EventGridDeserializer())
      .catch((err: unknown) => {
        loaded = undefined;
        throw err;
      }));
}

/** The default loader: `@azure/eventgrid` is imported on first use, off the function app's start-up path. */
export const loadEventGridDeserializer: LoadEventDeserializer = createDeserializerLoader(
  () => import('@azure/eventgrid'),
);

/** The envelope fields classification reads, whichever schema the delivery used. */
interface Envelope {
  readonly id: string;
  readonly eventType: string;
  readonly subject: string;
  readonly eventTime: Date;
  readonly data: unknown;
}

/**
 * Validates one Event Grid event and says what it means: a key regeneration, a write or a delete of a supported
 * resource, or nothing we act on. Both delivery schemas an event subscription offers are read, with the SDK's
 * deserializer: the Event Grid schema (`eventType`, `subject`, `eventTime`) and CloudEvents 1.0 (`specversion`,
 * `type`, `subject`, `time`; `source` is the topic); the ARM payload in `data` is the same in both. Everything
 * compares case-insensitively, and a resource ID with one trailing slash names the same resource. Our own
 * `listKeys/action` calls come back as events too: they are ignored, so they can never cause another listKeys.
 * @param raw - the event object, as the Functions trigger hands it over
 * @param options - the deserializer loader
 * @returns the change, or why the event is ignored
 * @throws ValidationError (`InvalidInput`) naming the event ID and the problem, for poison events
 * @throws KeySyncError (retryable) when the Event Grid SDK cannot be loaded: not the event's fault, so the
 *   delivery must fail and be redelivered rather than be dropped
 */
export async function classifyArmEvent(
  raw: unknown,
  options: ClassifyArmEventOptions = {},
): Promise<ArmChange | IgnoredEvent> {
  const id = eventIdOf(raw);
  const poison = (problem: string) =>
    new ValidationError(ErrorCode.InvalidInput, `Event Grid event ${id}: ${problem}`, [problem], {
      details: { eventId: id },
    });
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw poison('not an event object');
  const sdk = await loadSdk(options.loadDeserializer ?? loadEventGridDeserializer, id);
  const event = await readEnvelope(sdk, raw as Record<string, unknown>, poison);
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
  const resource = resourceOf(event, operationName, data.resourceUri, poison);
  if (Number.isNaN(event.eventTime.getTime())) throw poison('the event time is not a valid time');
  return { kind: match.kind, resource, eventId: event.id, eventTime: event.eventTime, operationName };
}

/** The resource the event is about: its subject, which must agree with the operation and `data.resourceUri`. */
function resourceOf(
  event: Envelope,
  operationName: string,
  resourceUri: unknown,
  poison: (problem: string) => ValidationError,
): ArmResourceId {
  if (event.subject.length > maxIdLength) throw poison('subject is too long to be a resource ID');
  let resource;
  try {
    resource = parseResourceId(event.subject, eventIdSpelling);
  } catch (err) {
    throw poison(isKeySyncError(err) ? err.message : 'subject is not an ARM resource ID');
  }
  const opType = operationName.toLowerCase().split('/').slice(0, 2).join('/');
  if (opType !== resource.resourceType) {
    throw poison(
      `operation ${operationName} does not apply to resource type ${resource.resourceType}, which is not supported`,
    );
  }
  if (typeof resourceUri === 'string' && resourceKeyOf(resourceUri) !== resource.key) {
    throw poison('subject and data.resourceUri name different resources');
  }
  return resource;
}

/** The event's ID for messages (at most 64 characters), whatever the event looks like. */
export function eventIdOf(raw: unknown): string {
  const id = (raw as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id.slice(0, 64) : '(no id)';
}

/** Loads the deserializer; a failure is the platform's, not the event's: retryable, never poison. */
async function loadSdk(load: LoadEventDeserializer, eventId: string): Promise<EventDeserializer> {
  try {
    return await load();
  } catch (err) {
    throw new KeySyncError(
      ErrorCode.Internal,
      `Event Grid event ${eventId}: the Event Grid SDK (@azure/eventgrid) could not be loaded; the delivery fails so Event Grid redelivers it`,
      { retryable: true, cause: err, details: { eventId } },
    );
  }
}

/** Deserializes one event in either schema: CloudEvents carry `specversion`, Event Grid schema events do not. */
async function readEnvelope(
  sdk: EventDeserializer,
  raw: Record<string, unknown>,
  poison: (problem: string) => ValidationError,
): Promise<Envelope> {
  const cloud = 'specversion' in raw;
  try {
    if (!cloud) {
      const [event] = await sdk.deserializeEventGridEvents(raw);
      if (!event) throw poison('empty');
      return event;
    }
    const [event] = await sdk.deserializeCloudEvents(raw);
    if (!event) throw poison('empty');
    if (event.subject === undefined) throw poison('subject is missing');
    if (event.time === undefined) throw poison('time is missing');
    return {
      id: event.id,
      eventType: event.type,
      subject: event.subject,
      eventTime: event.time,
      data: event.data,
    };
  } catch (err) {
    if (err instanceof ValidationError) throw err;
    throw poison(
      err instanceof Error ? err.message : `not a ${cloud ? 'CloudEvents 1.0' : 'Event Grid'} event`,
    );
  }
}

/** The lookup key of a resource ID written in an event, or undefined when it is not one. */
function resourceKeyOf(id: string): string | undefined {
  if (id.length > maxIdLength) return undefined;
  try {
    return parseResourceId(id, eventIdSpelling).key;
  } catch {
    return undefined;
  }
}

function lower(names: readonly string[]): ReadonlySet<string> {
  return new Set(names.map((n) => n.toLowerCase()));
}
