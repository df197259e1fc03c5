import { setTimeout as sleep } from 'node:timers/promises';

import type { Random } from '../Random.ts';

/**
 * Runs `action` again and again with random pauses until `signal` aborts; an action that throws is counted,
 * never fatal (the soak's load must go on through faults).
 * @param random - the soak's randomness
 * @param gapInMs - pause range between two actions
 * @param signal - stops the loop
 * @param action - one step (awaited: steps of one loop never overlap)
 * @param onError - told of each failed step
 */
export async function repeat(
  random: Random,
  gapInMs: readonly [number, number],
  signal: AbortSignal,
  action: () => Promise<void>,
  onError: (err: unknown) => void,
): Promise<void> {
  while (!signal.aborted) {
    try {
      await sleep(random.between(gapInMs[0], gapInMs[1]), undefined, { signal });
    } catch {
      return;
    }
    try {
      await action();
    } catch (err) {
      onError(err);
    }
  }
}

/** The first line of an error's message, for progress output (never a value: our messages carry IDs only). */
export function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]?.slice(0, 200) ?? '';
}
