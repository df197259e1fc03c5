/** Counts outstanding work (event deliveries) and lets callers wait until there is none. */
export class PendingTracker {
  #count = 0;
  #waiters: (() => void)[] = [];

  /** Outstanding items. */
  get count(): number {
    return this.#count;
  }

  /** One more item. */
  add(n = 1): void {
    this.#count += n;
  }

  /** One item finished. */
  done(): void {
    this.#count = Math.max(0, this.#count - 1);
    if (this.#count === 0) this.#wake();
  }

  /** Forgets all items and wakes every waiter (used on stop). */
  clear(): void {
    this.#count = 0;
    this.#wake();
  }

  /**
   * Resolves when nothing is outstanding.
   * @param timeoutInMs - rejects after this long
   * @throws Error naming how many items are still pending when the time runs out
   */
  waitForIdle(timeoutInMs: number): Promise<void> {
    if (this.#count === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(
          new Error(`timed out after ${timeoutInMs} ms waiting for ${this.#count} pending event deliveries`),
        );
      }, timeoutInMs);
      this.#waiters.push(waiter);
    });
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}
