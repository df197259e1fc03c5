import { describe, expect, it } from '@jest/globals';

import {
  DeadlineExceededError,
  isDeadlineExceeded,
  withDeadline,
} from '../../../shared/timeouts/withDeadline.ts';

/** A call that never settles and ignores its signal. */
const never = () => new Promise<never>(() => {});

describe('withDeadline', () => {
  it('returns what the call returned when it finishes in time', async () => {
    await expect(withDeadline(1_000, () => Promise.resolve(42))).resolves.toBe(42);
  });

  it('rejects at the deadline even when the call ignores its signal', async () => {
    const started = Date.now();
    const err = await withDeadline(100, never, { what: 'reading the thing' }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(isDeadlineExceeded(err)).toBe(true);
    expect(err).toBeInstanceOf(DeadlineExceededError);
    expect((err as Error).message).toBe('reading the thing timed out after 100 ms');
  });

  it('aborts the signal it gave the call at the deadline', async () => {
    let seen: AbortSignal | undefined;
    await withDeadline(50, (signal) => {
      seen = signal;
      return never();
    }).catch(() => undefined);
    expect(seen?.aborted).toBe(true);
  });

  it('rejects with the caller’s reason when the caller cancels first', async () => {
    const caller = new AbortController();
    const pending = withDeadline(10_000, never, { signal: caller.signal });
    caller.abort(new Error('shutting down'));
    await expect(pending).rejects.toThrow('shutting down');
  });

  it('passes on what the call threw', async () => {
    await expect(withDeadline(1_000, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(
      withDeadline(1_000, () => {
        throw new Error('sync boom');
      }),
    ).rejects.toThrow('sync boom');
  });
});
