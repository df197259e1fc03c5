import { waitFor } from '../../testkit/waitFor.ts';

/**
 * Polls `read` until `check` accepts its result (bounded); returns the accepted value and the time taken.
 * A read that throws counts as "not yet" (see waitFor).
 * @param read - reads the current state
 * @param check - the condition
 * @param what - for the error
 * @param timeoutInMs - bound
 */
export async function eventually<T>(
  read: () => Promise<T>,
  check: (value: T) => boolean,
  what: string,
  timeoutInMs = 20_000,
): Promise<{ value: T; ms: number }> {
  const t0 = Date.now();
  const accepted = await waitFor(
    async () => {
      const value = await read();
      return check(value) ? { value } : undefined;
    },
    { what, timeoutMs: timeoutInMs, intervalMs: 25 },
  );
  return { value: accepted.value, ms: Date.now() - t0 };
}
