/**
 * The watcher's one backoff: doubles from `initialMs` up to `maxMs` on each failure, back to nothing after a
 * success. Used for restarting a failed informer (ClusterWatcher) and for retrying a failed publish
 * (PublishBuffer), which need the same curve.
 */
export class Backoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  #currentMs = 0;

  /**
   * @param initialMs - the first delay
   * @param maxMs - the cap
   */
  constructor(initialMs: number, maxMs: number) {
    this.#initialMs = initialMs;
    this.#maxMs = maxMs;
  }

  /** The delay after one more failure: `initialMs` first, then doubled, at most `maxMs`. */
  next(): number {
    this.#currentMs = Math.min(this.#maxMs, this.#currentMs ? this.#currentMs * 2 : this.#initialMs);
    return this.#currentMs;
  }

  /** After a success: the next failure waits `initialMs` again. */
  reset(): void {
    this.#currentMs = 0;
  }
}
