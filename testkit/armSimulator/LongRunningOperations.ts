import { randomUUID } from 'node:crypto';
import type { CancellableTimers } from './CancellableTimers.ts';

/** A long-running operation (Cosmos DB `regenerateKey`). */
export interface LongRunningOperation {
  readonly id: string;
  readonly subscriptionId: string;
  readonly location: string;
  readonly resourceId: string;
  readonly startTime: string;
  status: 'InProgress' | 'Succeeded';
  endTime: string | undefined;
}

/** Starts operations that complete after a delay and answers their status polls. */
export class LongRunningOperations {
  readonly #timers: CancellableTimers;
  readonly #operations = new Map<string, LongRunningOperation>();
  readonly #done = new Map<string, Promise<void>>();

  constructor(timers: CancellableTimers) {
    this.#timers = timers;
  }

  /**
   * Starts an operation.
   * @param target - subscription, location and resource it acts on
   * @param durationInMs - when it completes
   * @param complete - its effect, applied at completion
   * @returns the operation (status `InProgress`)
   */
  start(
    target: { subscriptionId: string; location: string; resourceId: string },
    durationInMs: number,
    complete: () => void,
  ): LongRunningOperation {
    const op: LongRunningOperation = {
      id: randomUUID(),
      ...target,
      startTime: new Date().toISOString(),
      status: 'InProgress',
      endTime: undefined,
    };
    this.#operations.set(op.id.toLowerCase(), op);
    const done = this.#timers.sleep(durationInMs).then((elapsed) => {
      if (!elapsed) return;
      op.status = 'Succeeded';
      op.endTime = new Date().toISOString();
      complete();
    });
    this.#done.set(op.id.toLowerCase(), done);
    return op;
  }

  /** Resolves when the operation completed, or when the simulator stopped first. */
  whenDone(id: string): Promise<void> {
    return this.#done.get(id.toLowerCase()) ?? Promise.resolve();
  }

  /** The operation with this ID (any casing), if any. */
  get(id: string): LongRunningOperation | undefined {
    return this.#operations.get(id.toLowerCase());
  }

  /** The body ARM returns when polling `Azure-AsyncOperation`. */
  static statusBody(op: LongRunningOperation, path: string): Record<string, unknown> {
    return {
      id: path,
      name: op.id,
      status: op.status,
      startTime: op.startTime,
      ...(op.endTime ? { endTime: op.endTime } : {}),
    };
  }
}
