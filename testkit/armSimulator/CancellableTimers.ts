/**
 * Every timer the simulator starts goes through one {@link CancellableTimers}, so `stop()` can cancel all of
 * them at once and nothing keeps the process alive after a test.
 */
export class CancellableTimers {
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #sleepers = new Set<(completed: boolean) => void>();
  #stopped = false;

  /** Whether {@link cancelAll} was called. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /**
   * Runs `fn` after `ms` milliseconds unless cancelled first.
   * @param fn - the callback
   * @param ms - the delay
   */
  schedule(fn: () => void, ms: number): void {
    if (this.#stopped) return;
    const timer = setTimeout(
      () => {
        this.#timers.delete(timer);
        fn();
      },
      Math.max(0, ms),
    );
    this.#timers.add(timer);
  }

  /**
   * Waits `ms` milliseconds.
   * @param ms - the delay; 0 or less resolves at once
   * @returns true when the time passed, false when the timers were cancelled meanwhile
   */
  sleep(ms: number): Promise<boolean> {
    if (this.#stopped) return Promise.resolve(false);
    if (ms <= 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (completed: boolean): void => {
        this.#sleepers.delete(done);
        resolve(completed);
      };
      this.#sleepers.add(done);
      this.schedule(() => done(true), ms);
    });
  }

  /** Cancels every pending timer; pending sleeps resolve `false`; later calls do nothing. */
  cancelAll(): void {
    this.#stopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const wake of [...this.#sleepers]) wake(false);
  }
}
