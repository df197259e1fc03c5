import { setTimeout as sleep } from 'node:timers/promises';

import type { Random } from '../Random.ts';

/** Options of {@link repeat}. */
export interface RepeatOptions {
  readonly random: Random;
  /** Pause range between two actions. */
  readonly gapInMs: readonly [number, number];
  /** Stops the loop. */
  readonly signal: AbortSignal;
  /** Told of each failed step. */
  readonly onError: (err: unknown) => void;
}

/**
 * Runs `action` again and again with random pauses until the signal aborts; an action that throws is counted,
 * never fatal (the soak's load must go on through faults).
 * @param o - randomness, pauses, stop signal, error sink
 * @param action - one step (awaited: steps of one loop never overlap)
 */
export async function repeat(o: RepeatOptions, action: () => Promise<void>): Promise<void> {
  while (!o.signal.aborted) {
    try {
      await sleep(o.random.between(o.gapInMs[0], o.gapInMs[1]), undefined, { signal: o.signal });
    } catch {
      return;
    }
    try {
      await action();
    } catch (err) {
      o.onError(err);
    }
  }
}

/** The first line of an error's message, for progress output (never a value: our messages carry IDs only). */
export function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]?.slice(0, 200) ?? '';
}
