/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** What is awaited, for the error message ("kube-apiserver /readyz on cluster-a"). */
  readonly what: string;
  /** Upper bound of the whole wait. */
  readonly timeoutMs: number;
  /** Pause between probes; 100 ms by default. */
  readonly intervalMs?: number;
  /** Checked after each unsuccessful probe: a returned reason (such as "exited with code 1") stops the wait. */
  readonly failFast?: () => string | undefined;
}

/** Thrown by {@link waitFor} when the bound is reached or `failFast` reports a reason. */
export class WaitError extends Error {
  /** `timeout` when the bound was reached, `failed` when `failFast` gave up. */
  readonly reason: 'timeout' | 'failed';

  constructor(reason: 'timeout' | 'failed', message: string) {
    super(message);
    this.name = 'WaitError';
    this.reason = reason;
  }
}

/**
 * Calls `probe` until it returns something other than `undefined`, within a bound. A probe that throws
 * counts as "not yet".
 *
 * @returns the first defined value returned by `probe`.
 * @throws {@link WaitError} on timeout or when `failFast` reports a reason.
 */
export async function waitFor<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  options: WaitForOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 100;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch {
      // Not ready yet.
    }
    const failure = options.failFast?.();
    if (failure !== undefined) throw new WaitError('failed', `${options.what}: ${failure}`);
    if (Date.now() + interval > deadline) {
      throw new WaitError('timeout', `${options.what}: not ready after ${options.timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}
