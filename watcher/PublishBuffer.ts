import type { Logger } from '../shared/logging.ts';
import { errorFields, silentLogger } from '../shared/logging.ts';
import type { WatchMessage } from '../shared/watch/WatchMessage.ts';
import type { WatchPublisher } from './WatchPublisher.ts';
import { Backoff } from './Backoff.ts';

/** Options of {@link PublishBuffer}. */
export interface PublishBufferOptions {
  readonly publisher: WatchPublisher;
  /** How long the first event of a burst waits for later ones on the same object. Default 500 ms. */
  readonly coalesceMs?: number;
  /** Backoff after a failed publish: first delay and cap. Default 1 s and 30 s. */
  readonly retryInitialMs?: number;
  readonly retryMaxMs?: number;
  /** Messages per publish call. Default 100. */
  readonly maxBatch?: number;
  readonly logger?: Logger;
  readonly now?: () => number;
}

/** Counters of a {@link PublishBuffer}. */
export interface PublishCounters {
  /** Messages accepted by the queue. */
  published: number;
  /** Events folded into a message already waiting for the same object. */
  coalesced: number;
  /** Publish calls that failed. */
  publishFailures: number;
}

interface Entry {
  readonly message: WatchMessage;
  readonly dueAt: number;
}

/**
 * Holds the latest message per object until it is published. A burst of events on one object becomes one
 * message (sent `coalesceMs` after the first event, with the newest state; `added` then `modified` stays
 * `added`). A failed publish keeps every
 * message; newer events replace them in place, so while the queue is unreachable memory is bounded by the
 * number of objects and nothing but superseded states is lost. Retries back off exponentially (with jitter)
 * up to `retryMaxMs`, and reset after a success. One publish runs at a time.
 */
export class PublishBuffer {
  readonly counters: PublishCounters = { published: 0, coalesced: 0, publishFailures: 0 };
  readonly #entries = new Map<string, Entry>();
  readonly #publisher: WatchPublisher;
  readonly #coalesceMs: number;
  readonly #backoff: Backoff;
  readonly #maxBatch: number;
  readonly #logger: Logger;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Infinity;
  #inFlight: Promise<void> | undefined;
  #retryAt = 0;
  #failingSince: number | undefined;
  #lastPublishedAt: number | undefined;
  #stopped = false;

  constructor(options: PublishBufferOptions) {
    this.#publisher = options.publisher;
    this.#coalesceMs = options.coalesceMs ?? 500;
    this.#backoff = new Backoff(options.retryInitialMs ?? 1_000, options.retryMaxMs ?? 30_000);
    this.#maxBatch = options.maxBatch ?? 100;
    this.#logger = options.logger ?? silentLogger;
    this.#now = options.now ?? Date.now;
  }

  /** Messages waiting (one per object at most). */
  get pending(): number {
    return this.#entries.size;
  }

  /** Since when publishing has been failing (epoch ms), if it is. */
  get failingSince(): number | undefined {
    return this.#failingSince;
  }

  /** When a publish last succeeded (epoch ms). */
  get lastPublishedAt(): number | undefined {
    return this.#lastPublishedAt;
  }

  /**
   * Records the newest state of an object.
   * @param key - identifies the object (kind/namespace/name)
   * @param message - its message
   */
  put(key: string, message: WatchMessage): void {
    const existing = this.#entries.get(key);
    if (existing) this.counters.coalesced += 1;
    // Added then modified within one burst is still news of an added object.
    const merged =
      existing?.message.eventType === 'added' && message.eventType === 'modified'
        ? { ...message, eventType: existing.message.eventType }
        : message;
    this.#entries.set(key, { message: merged, dueAt: existing?.dueAt ?? this.#now() + this.#coalesceMs });
    this.#schedule();
  }

  /**
   * Publishes everything waiting now, ignoring the coalescing delay and backoff (once; e.g. before exit).
   * @returns true when nothing is left
   */
  async flush(): Promise<boolean> {
    while (this.#entries.size > 0) {
      if (this.#inFlight) {
        await this.#inFlight;
        continue;
      }
      const failures = this.counters.publishFailures;
      this.#retryAt = 0;
      await this.#publishDue(Infinity);
      if (this.counters.publishFailures !== failures) break;
    }
    return this.#entries.size === 0;
  }

  /** Cancels timers; waiting messages are kept but no longer sent. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    if (this.#stopped || this.#inFlight || this.#entries.size === 0) return;
    let next = Infinity;
    for (const e of this.#entries.values()) next = Math.min(next, e.dueAt);
    next = Math.max(next, this.#retryAt);
    if (this.#timer && this.#timerAt <= next) return;
    clearTimeout(this.#timer);
    this.#timerAt = next;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#timerAt = Infinity;
        void this.#publishDue(this.#now());
      },
      Math.max(0, next - this.#now()),
    );
    this.#timer.unref();
  }

  async #publishDue(until: number): Promise<void> {
    if (this.#inFlight) return;
    const due = [...this.#entries].filter(([, e]) => e.dueAt <= until).slice(0, this.#maxBatch);
    if (due.length === 0) return this.#schedule();
    this.#inFlight = this.#send(due).finally(() => {
      this.#inFlight = undefined;
      this.#schedule();
    });
    return this.#inFlight;
  }

  async #send(due: Array<[string, Entry]>): Promise<void> {
    try {
      await this.#publisher.publish(due.map(([, e]) => e.message));
      for (const [key, e] of due) if (this.#entries.get(key) === e) this.#entries.delete(key);
      this.counters.published += due.length;
      this.#lastPublishedAt = this.#now();
      if (this.#failingSince !== undefined) {
        this.#logger.info({ pending: this.#entries.size }, 'watch queue reachable again');
      }
      this.#failingSince = undefined;
      this.#backoff.reset();
      this.#retryAt = 0;
    } catch (err) {
      this.counters.publishFailures += 1;
      this.#failingSince ??= this.#now();
      this.#retryAt = this.#now() + Math.round(this.#backoff.next() * (0.8 + Math.random() * 0.4));
      this.#logger.warn(
        { pending: this.#entries.size, retryInMs: this.#retryAt - this.#now(), ...errorFields(err) },
        'publishing watch messages failed; keeping them and retrying',
      );
    }
  }
}
