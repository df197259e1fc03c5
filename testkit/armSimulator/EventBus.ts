import type { ArmEvent } from './ArmEvent.ts';
import type { CancellableTimers } from './CancellableTimers.ts';
import { EventSubscription, type EventSubscriptionOptions } from './EventSubscription.ts';
import { PendingTracker } from './PendingTracker.ts';

/** The most published events kept for {@link EventBus.published} (bounded memory in long demo runs). */
export const maxKeptEvents = 10_000;

/** A subscription as the caller sees it. */
export type EventSubscriptionHandle = Pick<
  EventSubscription,
  'name' | 'deadLetters' | 'attempts' | 'delivered' | 'reconfigure'
> & {
  /** Stops deliveries to this subscription (pending ones are dropped). */
  unsubscribe(): void;
};

/** The Azure-subscription system topic of the simulator: every published event goes to every subscription. */
export class EventBus {
  readonly #timers: CancellableTimers;
  readonly #pending = new PendingTracker();
  readonly #stop = new AbortController();
  readonly #subscriptions = new Set<EventSubscription>();
  readonly #published: ArmEvent[] = [];

  constructor(timers: CancellableTimers) {
    this.#timers = timers;
  }

  /** Adds a subscription; events published from now on are delivered to it. */
  subscribe(options: EventSubscriptionOptions): EventSubscriptionHandle {
    const sub = new EventSubscription(options, this.#timers, this.#pending, this.#stop.signal);
    this.#subscriptions.add(sub);
    return {
      name: sub.name,
      deadLetters: () => sub.deadLetters(),
      attempts: () => sub.attempts(),
      delivered: () => sub.delivered(),
      reconfigure: (adversity) => sub.reconfigure(adversity),
      unsubscribe: () => {
        sub.close();
        this.#subscriptions.delete(sub);
      },
    };
  }

  /** Publishes an event to every subscription. */
  publish(event: ArmEvent): void {
    if (this.#timers.stopped) return;
    this.#published.push(event);
    if (this.#published.length > maxKeptEvents)
      this.#published.splice(0, this.#published.length - maxKeptEvents);
    for (const sub of this.#subscriptions) sub.offer(event);
  }

  /** Events published so far (the latest {@link maxKeptEvents}), in order. */
  published(): ArmEvent[] {
    return [...this.#published];
  }

  /** Marks outstanding work that will publish later (e.g. an LRO that raises its event on completion). */
  hold(): () => void {
    this.#pending.add();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#pending.done();
    };
  }

  /**
   * Resolves when every published event was delivered or dead-lettered.
   * @param timeoutInMs - rejects after this long
   */
  waitForIdle(timeoutInMs: number): Promise<void> {
    return this.#pending.waitForIdle(timeoutInMs);
  }

  /** Cancels every pending delivery and wakes waiters. */
  stop(): void {
    this.#stop.abort();
    for (const sub of this.#subscriptions) sub.close();
    this.#subscriptions.clear();
    this.#pending.clear();
  }
}
