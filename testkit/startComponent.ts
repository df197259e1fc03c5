import { performance } from 'node:perf_hooks';
import { logTail } from './logTail.ts';
import { spawnManaged } from './spawnManaged.ts';
import type { ManagedProcess, SpawnManagedOptions } from './spawnManaged.ts';
import type { OwnedWorkDir } from './ownedWorkDir.ts';
import { waitFor } from './waitFor.ts';

/** Options of {@link startComponent}. */
export interface StartComponentOptions extends SpawnManagedOptions {
  /** Directory whose pid file records the child. */
  readonly workDir: OwnedWorkDir;
  /** Resolves `true` once the component is ready; `false` or a throw means "not yet". */
  readonly isReady: () => Promise<boolean>;
  /** Bound of the readiness wait. */
  readonly timeoutMs: number;
  /** Pause between readiness probes; 100 ms by default. */
  readonly intervalMs?: number;
}

/** A started component and how long it took. */
export interface StartedComponent {
  /** The running child. */
  readonly process: ManagedProcess;
  /** Milliseconds from spawn to the first successful readiness probe. */
  readonly readyMs: number;
}

/** Thrown when a component does not become ready; the message ends with the last lines of its log. */
export class ComponentStartError extends Error {
  /** Whether the log shows the port was taken by someone else (worth retrying on another port). */
  readonly portClash: boolean;

  constructor(message: string, portClash: boolean, cause: unknown) {
    super(message, { cause });
    this.name = 'ComponentStartError';
    this.portClash = portClash;
  }
}

/**
 * Spawns a component (see {@link spawnManaged}), records it in the pid file and waits, bounded, until
 * `isReady` says so. If it exits early or the bound is reached, the component is stopped and a
 * {@link ComponentStartError} carrying the last lines of its log is thrown.
 */
export async function startComponent(options: StartComponentOptions): Promise<StartedComponent> {
  const child = await spawnManaged(options);
  options.workDir.recordProcess({ pid: child.pid, label: options.label, startTime: child.startTime });
  try {
    await waitFor(async () => ((await options.isReady()) ? true : undefined), {
      what: `${options.label} readiness`,
      timeoutMs: options.timeoutMs,
      intervalMs: options.intervalMs,
      failFast: () => describeExit(child),
    });
    return { process: child, readyMs: Math.round(performance.now() - child.spawnedAt) };
  } catch (err) {
    await child.stop(2_000).catch(() => undefined);
    options.workDir.forgetProcess(child.pid);
    const tail = logTail(options.logFile, 40);
    throw new ComponentStartError(
      `${options.label} did not start: ${(err as Error).message}\n--- last lines of ${options.logFile} ---\n${tail}`,
      /address already in use/i.test(tail),
      err,
    );
  }
}

/**
 * Runs `start` again (at most `attempts` times in all) while it fails with a port clash: free ports are
 * picked before the child binds them, so another process can take one in between.
 */
export async function retryOnPortClash<T>(start: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (!(err instanceof ComponentStartError && err.portClash) || attempt >= attempts) throw err;
    }
  }
}

function describeExit(child: ManagedProcess): string | undefined {
  const info = child.exitInfo();
  if (info === undefined) return undefined;
  return info.signal ? `exited by signal ${info.signal}` : `exited with code ${info.code}`;
}
