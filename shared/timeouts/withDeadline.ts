/**
 * Deadlines for outbound calls. One slow dependency (a cluster, Table storage, ARM, Entra ID) must never hold a
 * sync for longer than its bound: every call to it is given an abort signal that fires at the deadline, and is
 * also raced against that deadline, so a callee that ignores the signal cannot hang the caller either.
 */
import { ensureError } from '../errors.ts';

/** Thrown when a call did not finish within its bound. Its message is built here and holds no payload. */
export class DeadlineExceededError extends Error {
  /** The bound that was exceeded. */
  readonly timeoutInMs: number;

  /**
   * @param what - the call, for the message ("getting an Entra ID token (scope ...)"); default "the call"
   * @param timeoutInMs - the bound
   */
  constructor(what: string, timeoutInMs: number) {
    super(`${what} timed out after ${timeoutInMs} ms`);
    this.name = 'DeadlineExceededError';
    this.timeoutInMs = timeoutInMs;
  }
}

/** True for a {@link DeadlineExceededError} (checked by name so it works across module copies). */
export function isDeadlineExceeded(err: unknown): err is DeadlineExceededError {
  return err instanceof Error && err.name === 'DeadlineExceededError' && 'timeoutInMs' in err;
}

/** Options of {@link withDeadline}. */
export interface DeadlineOptions {
  /** The call, for the timeout's message. Default "the call". */
  readonly what?: string;
  /** The caller's own cancellation: when it fires first, the call rejects with its reason. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Runs `call` with a signal that aborts after `timeoutInMs` (or when `options.signal` does), and rejects at
 * that moment whether or not `call` honours the signal.
 * @param timeoutInMs - the bound
 * @param call - the call, given the signal to pass on (Azure SDK `abortSignal`, fetch `signal`)
 * @param options - name of the call, caller's signal
 * @returns what `call` returned
 * @throws DeadlineExceededError at the deadline; the caller's abort reason when it aborted; whatever `call` threw
 */
export function withDeadline<T>(
  timeoutInMs: number,
  call: (signal: AbortSignal) => Promise<T>,
  options: DeadlineOptions = {},
): Promise<T> {
  const deadline = AbortSignal.timeout(timeoutInMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
  return new Promise<T>((resolve, reject) => {
    // Registered before `call` sees the signal, so the deadline's error wins over the callee's AbortError.
    const onAbort = () => {
      reject(
        options.signal?.aborted
          ? ensureError(options.signal.reason)
          : new DeadlineExceededError(options.what ?? 'the call', timeoutInMs),
      );
    };
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    let running: Promise<T>;
    try {
      running = call(signal);
    } catch (err) {
      running = Promise.reject(ensureError(err));
    }
    running.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
