import type { ArmEvent, DeliveredArmEvent, EventDeliverySchema } from './ArmEvent.ts';
import { inDeliverySchema } from './ArmEvent.ts';

/**
 * An in-process event destination. It receives the delivery as an array of events in the subscription's
 * delivery schema and answers with an HTTP status (any non-number, e.g. `undefined`, means 200); throwing
 * counts as a 500.
 */
export type EventHandler = (events: DeliveredArmEvent[], delivery: { deliveryCount: number }) => unknown;

/** Outcome of one attempt. */
export interface DeliveryResult {
  /** HTTP status, undefined when there was none (timeout, network error). */
  readonly status: number | undefined;
  /** Event Grid-style outcome: `Succeeded`, `BadRequest`, `NotFound`, `Busy`, `TimedOut`, `GenericError`... */
  readonly outcome: string;
}

/** Where and how to deliver. */
export interface DeliveryTarget {
  url?: string;
  handler?: EventHandler;
  name?: string;
  deliveryTimeoutInMs?: number;
  /** Default `EventGridSchema`. */
  eventDeliverySchema?: EventDeliverySchema;
}

/**
 * Makes one delivery attempt of one event. Never throws. In the Event Grid schema the body is a one-element
 * JSON array (`application/json`); in the CloudEvents schema it is the event alone, in structured content mode
 * (`application/cloudevents+json`): the headers are otherwise the same, as Event Grid documents
 * (https://learn.microsoft.com/azure/event-grid/cloud-event-schema).
 * @param target - destination
 * @param event - the event (sent as a one-element array)
 * @param attempt - 1-based attempt number
 * @param stop - aborts the attempt when the simulator stops
 */
export async function deliverOnce(
  target: DeliveryTarget,
  event: ArmEvent,
  attempt: number,
  stop: AbortSignal,
): Promise<DeliveryResult> {
  const timeoutInMs = target.deliveryTimeoutInMs ?? 30_000;
  const signal = AbortSignal.any([stop, AbortSignal.timeout(timeoutInMs)]);
  try {
    const delivered = inDeliverySchema(event, target.eventDeliverySchema);
    const status = target.url
      ? await post(target.url, { name: target.name ?? 'keysync-events', event: delivered, attempt, signal })
      : await callHandler(target, delivered, attempt, signal);
    return { status, outcome: outcomeOf(status) };
  } catch (err) {
    if (signal.aborted) return { status: undefined, outcome: stop.aborted ? 'Aborted' : 'TimedOut' };
    const isHandler = !target.url;
    return { status: isHandler ? 500 : undefined, outcome: isHandler ? 'GenericError' : networkOutcome(err) };
  }
}

async function post(
  url: string,
  {
    name,
    event,
    attempt,
    signal,
  }: { name: string; event: DeliveredArmEvent; attempt: number; signal: AbortSignal },
) {
  const common = {
    'aeg-event-type': 'Notification',
    'aeg-subscription-name': name.toUpperCase(),
    'aeg-delivery-count': String(attempt - 1),
  };
  const cloud = 'specversion' in event;
  const res = await fetch(url, {
    method: 'POST',
    headers: cloud
      ? {
          ...common,
          'content-type': 'application/cloudevents+json; charset=utf-8',
          'aeg-metadata-version': event.specversion,
        }
      : {
          ...common,
          'content-type': 'application/json; charset=utf-8',
          'aeg-data-version': event.dataVersion,
          'aeg-metadata-version': event.metadataVersion,
        },
    body: JSON.stringify(cloud ? event : [event]),
    signal,
  });
  await res.arrayBuffer().catch(() => undefined);
  return res.status;
}

async function callHandler(
  target: DeliveryTarget,
  event: DeliveredArmEvent,
  attempt: number,
  signal: AbortSignal,
) {
  const handler = target.handler as EventHandler;
  let onAbort = (): void => undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => undefined);
  // A copy per attempt, so a handler that mutates its input cannot change later deliveries.
  const events = [structuredClone(event)];
  try {
    const answer: unknown = await Promise.race([
      (async (): Promise<unknown> => await handler(events, { deliveryCount: attempt - 1 }))(),
      aborted,
    ]);
    return typeof answer === 'number' ? answer : 200;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

function outcomeOf(status: number): string {
  if (status >= 200 && status <= 204) return 'Succeeded';
  const names: Record<number, string> = {
    400: 'BadRequest',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'NotFound',
    413: 'PayloadTooLarge',
    503: 'Busy',
  };
  return names[status] ?? 'GenericError';
}

function networkOutcome(err: unknown): string {
  const code = (err as { cause?: { code?: unknown } }).cause?.code;
  return typeof code === 'string' ? `NetworkError(${code})` : 'NetworkError';
}
