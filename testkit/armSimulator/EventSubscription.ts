import type { ArmEvent, EventDeliverySchema } from './ArmEvent.ts';
import type { CancellableTimers } from './CancellableTimers.ts';
import { deliverOnce, type DeliveryResult, type EventHandler } from './deliverOnce.ts';
import type { PendingTracker } from './PendingTracker.ts';

/** Event Grid's retry schedule (10 s, 30 s, 1 min, 5 min, 10 min, 30 min, 1 h, 3 h, 6 h, 12 h) scaled 1:1000. */
export const defaultRetryScheduleInMs: readonly number[] = [
  10, 30, 60, 300, 600, 1800, 3600, 10800, 21600, 43200,
];

/** Event-subscription filter (string comparisons are case-insensitive, as in Event Grid). */
export interface EventFilter {
  includedEventTypes?: readonly string[];
  /** `data.operationName` StringIn filter. */
  operationNames?: readonly string[];
  subjectBeginsWith?: string;
}

/** Options of {@link EventSubscription}: where to deliver, and how adversarially. */
export interface EventSubscriptionOptions {
  /** Webhook that receives `POST` with a JSON array (one event per delivery). */
  url?: string;
  /** In-process destination; returns an HTTP status (default 200) or throws (= 500). */
  handler?: EventHandler;
  /** Name used in the `aeg-subscription-name` header. */
  name?: string;
  /**
   * Schema of the deliveries, as the event subscription's `eventDeliverySchema` (default `EventGridSchema`):
   * `CloudEventSchemaV1_0` delivers CloudEvents 1.0. Filters, retries and dead letters work the same.
   */
  eventDeliverySchema?: EventDeliverySchema;
  filter?: EventFilter;
  /** Extra copies of every delivery (at-least-once). Default 0. */
  duplicates?: number;
  /** Deliver the events of one flush in reverse order. Default false. */
  reorder?: boolean;
  /** Delay between publishing and the first delivery attempt; events published meanwhile form one flush. */
  delayInMs?: number;
  /** Attempts before dead-lettering (Event Grid: 1-30, default 30). */
  maxDeliveryAttempts?: number;
  /** Wait before retry n is element n-1 (the last repeats). Default: Event Grid's schedule scaled 1:1000. */
  retryScheduleInMs?: readonly number[];
  /** Dead-letter once this much time passed since publishing. Default 86 400 ms (24 h scaled 1:1000). */
  eventTimeToLiveInMs?: number;
  /** Time a destination has to answer one attempt. Default 30 000 ms, as Event Grid. */
  deliveryTimeoutInMs?: number;
}

/** The adversarial delivery settings that can change while a subscription runs (see `reconfigure`). */
export type DeliveryAdversity = Pick<EventSubscriptionOptions, 'duplicates' | 'reorder' | 'delayInMs'>;

/** An event that could not be delivered, with Event Grid's dead-letter fields. */
export interface DeadLetteredEvent {
  readonly event: ArmEvent;
  readonly deadLetterReason: 'MaxDeliveryAttemptsExceeded' | 'TimeToLiveExceeded' | 'NonRetriableStatus';
  readonly deliveryAttempts: number;
  readonly lastDeliveryOutcome: string;
  readonly lastHttpStatusCode: number | undefined;
  readonly publishTime: string;
  readonly lastDeliveryAttemptTime: string;
}

/** One delivery attempt. */
export interface DeliveryAttempt {
  readonly eventId: string;
  readonly attempt: number;
  readonly status: number | undefined;
  readonly outcome: string;
  readonly time: number;
}

interface Item {
  readonly event: ArmEvent;
  readonly publishedAt: number;
  attempts: number;
}

/** Webhook statuses Event Grid does not retry. */
const nonRetriable = new Set([400, 401, 403, 413]);

/** One event subscription: filters, buffers, delivers with retries, dead-letters. */
export class EventSubscription {
  readonly name: string;
  #options: EventSubscriptionOptions;
  readonly #timers: CancellableTimers;
  readonly #pending: PendingTracker;
  readonly #stopSignal: AbortSignal;
  #buffer: Item[] = [];
  #flushScheduled = false;
  #chain: Promise<void> = Promise.resolve();
  #active = true;
  readonly #deadLetters: DeadLetteredEvent[] = [];
  readonly #attempts: DeliveryAttempt[] = [];
  readonly #delivered: ArmEvent[] = [];

  constructor(
    options: EventSubscriptionOptions,
    timers: CancellableTimers,
    pending: PendingTracker,
    stop: AbortSignal,
  ) {
    if (!options.url === !options.handler)
      throw new Error('subscribeEvents needs exactly one of url or handler');
    this.name = options.name ?? 'keysync-events';
    this.#options = options;
    this.#timers = timers;
    this.#pending = pending;
    this.#stopSignal = stop;
  }

  /** Events that ran out of attempts or time. */
  deadLetters(): DeadLetteredEvent[] {
    return [...this.#deadLetters];
  }

  /** Every attempt so far, in order. */
  attempts(): DeliveryAttempt[] {
    return [...this.#attempts];
  }

  /** Events delivered successfully, in delivery order (duplicates included). */
  delivered(): ArmEvent[] {
    return [...this.#delivered];
  }

  /**
   * Changes duplicates, reordering and delay from the next published event on (a soak turns them on and off
   * without dropping what is pending, as unsubscribing would); `undefined` fields go back to the defaults.
   * @param adversity - the new settings
   */
  reconfigure(adversity: DeliveryAdversity): void {
    this.#options = {
      ...this.#options,
      duplicates: adversity.duplicates,
      reorder: adversity.reorder,
      delayInMs: adversity.delayInMs,
    };
  }

  /** Stops delivering; pending deliveries are dropped. */
  close(): void {
    if (!this.#active) return;
    this.#active = false;
    for (let i = 0; i < this.#buffer.length; i++) this.#pending.done();
    this.#buffer = [];
  }

  /** Queues an event if it passes the filter. */
  offer(event: ArmEvent): void {
    if (!this.#active || !passes(this.#options.filter, event)) return;
    const copies = 1 + Math.max(0, Math.floor(this.#options.duplicates ?? 0));
    const now = Date.now();
    for (let i = 0; i < copies; i++) this.#buffer.push({ event, publishedAt: now, attempts: 0 });
    this.#pending.add(copies);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      this.#timers.schedule(() => this.#flush(), this.#options.delayInMs ?? 0);
    }
  }

  #flush(): void {
    this.#flushScheduled = false;
    const items = this.#options.reorder ? [...this.#buffer].reverse() : this.#buffer;
    this.#buffer = [];
    this.#chain = this.#chain.then(async () => {
      for (const item of items) await this.#attempt(item);
    });
  }

  async #attempt(item: Item): Promise<void> {
    if (!this.#active || this.#timers.stopped) return this.#pending.done();
    item.attempts += 1;
    const result = await deliverOnce(this.#options, item.event, item.attempts, this.#stopSignal);
    this.#attempts.push({ eventId: item.event.id, attempt: item.attempts, ...result, time: Date.now() });
    if (!this.#active || this.#timers.stopped) return this.#pending.done();
    if (result.status !== undefined && result.status >= 200 && result.status <= 204) {
      this.#delivered.push(item.event);
      return this.#pending.done();
    }
    this.#retryOrDeadLetter(item, result);
  }

  #retryOrDeadLetter(item: Item, result: DeliveryResult): void {
    const max = this.#options.maxDeliveryAttempts ?? 30;
    const schedule = this.#options.retryScheduleInMs ?? defaultRetryScheduleInMs;
    const wait = schedule[Math.min(item.attempts - 1, schedule.length - 1)] ?? 0;
    const ttl = this.#options.eventTimeToLiveInMs ?? 86_400;
    let reason: DeadLetteredEvent['deadLetterReason'] | undefined;
    if (result.status !== undefined && nonRetriable.has(result.status)) reason = 'NonRetriableStatus';
    else if (item.attempts >= max) reason = 'MaxDeliveryAttemptsExceeded';
    else if (Date.now() + wait - item.publishedAt > ttl) reason = 'TimeToLiveExceeded';
    if (!reason) {
      this.#timers.schedule(() => void this.#attempt(item), wait);
      return;
    }
    this.#deadLetters.push({
      event: item.event,
      deadLetterReason: reason,
      deliveryAttempts: item.attempts,
      lastDeliveryOutcome: result.outcome,
      lastHttpStatusCode: result.status,
      publishTime: new Date(item.publishedAt).toISOString(),
      lastDeliveryAttemptTime: new Date().toISOString(),
    });
    this.#pending.done();
  }
}

function passes(filter: EventFilter | undefined, event: ArmEvent): boolean {
  if (!filter) return true;
  const inList = (list: readonly string[] | undefined, value: string): boolean =>
    list === undefined || list.some((v) => v.toLowerCase() === value.toLowerCase());
  return (
    inList(filter.includedEventTypes, event.eventType) &&
    inList(filter.operationNames, event.data.operationName) &&
    (filter.subjectBeginsWith === undefined ||
      event.subject.toLowerCase().startsWith(filter.subjectBeginsWith.toLowerCase()))
  );
}
