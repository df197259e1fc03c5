import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { signalProcessGroup, trackProcessGroup } from './processRegistry.ts';
import { processStartTime } from './processInfo.ts';

/** How a managed process ended. */
export interface ExitInfo {
  /** Exit code, or `null` when it died by a signal. */
  readonly code: number | null;
  /** The signal that killed it, or `null`. */
  readonly signal: NodeJS.Signals | null;
}

/** Options of {@link spawnManaged}. */
export interface SpawnManagedOptions {
  /** Short name used in messages and the registry, such as `cluster-a/etcd`. */
  readonly label: string;
  /** Executable to run. */
  readonly command: string;
  /** Its arguments. They are never logged by this module (they may name token files, never tokens). */
  readonly args: readonly string[];
  /** File that receives the child's stdout and stderr (appended). */
  readonly logFile: string;
  /** Environment of the child; defaults to this process's environment. */
  readonly env?: NodeJS.ProcessEnv;
  /** Working directory of the child. */
  readonly cwd?: string;
}

/** A child running in its own process group, registered for clean-up when the host process ends. */
export interface ManagedProcess {
  /** The label given at spawn. */
  readonly label: string;
  /** Pid of the child, which is also its process-group id. */
  readonly pid: number;
  /** Kernel start time of the child (see {@link processStartTime}); `undefined` without `/proc`. */
  readonly startTime: string | undefined;
  /** File holding the child's stdout and stderr. */
  readonly logFile: string;
  /** `performance.now()` when the child was spawned. */
  readonly spawnedAt: number;
  /** Settles when the child has exited. */
  readonly exited: Promise<ExitInfo>;
  /** The exit information once the child has exited, else `undefined`. */
  exitInfo(): ExitInfo | undefined;
  /**
   * Stops the whole process group: SIGTERM, then SIGKILL after `graceMs`, and waits for the exit (bounded).
   * Idempotent.
   */
  stop(graceMs?: number): Promise<void>;
}

const DEFAULT_GRACE_MS = 10_000;
const AFTER_KILL_WAIT_MS = 5_000;

/**
 * Spawns `command` detached (its own process group, so it and anything it forks can be killed as one),
 * with stdout and stderr appended to `logFile`, registered in the process registry, and without holding
 * the event loop open.
 *
 * @throws when the executable cannot be started (ENOENT, EACCES).
 */
export async function spawnManaged(options: SpawnManagedOptions): Promise<ManagedProcess> {
  const fd = openSync(options.logFile, 'a', 0o600);
  let child;
  try {
    child = spawn(options.command, [...options.args], {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: options.env ?? process.env,
      cwd: options.cwd,
    });
  } finally {
    closeSync(fd);
  }
  const spawnedAt = performance.now();
  let info: ExitInfo | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => {
      info = { code, signal };
      resolve(info);
    });
  });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (err) =>
      reject(new Error(`cannot start ${options.label} (${options.command})`, { cause: err })),
    );
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`cannot start ${options.label}: no pid`);
  child.unref();
  const untrack = trackProcessGroup(pid, options.label);
  let stopping: Promise<void> | undefined;

  const stop = async (graceMs: number): Promise<void> => {
    if (info === undefined) {
      signalProcessGroup(pid, 'SIGTERM');
      if ((await settlesWithin(exited, graceMs)) === undefined) {
        signalProcessGroup(pid, 'SIGKILL');
        if ((await settlesWithin(exited, AFTER_KILL_WAIT_MS)) === undefined) {
          throw new Error(
            `${options.label} (pid ${pid}) did not exit ${AFTER_KILL_WAIT_MS} ms after SIGKILL`,
          );
        }
      }
    }
    // The leader is gone; take down anything it may have left in its group.
    signalProcessGroup(pid, 'SIGKILL');
    untrack();
  };

  return {
    label: options.label,
    pid,
    startTime: processStartTime(pid),
    logFile: options.logFile,
    spawnedAt,
    exited,
    exitInfo: () => info,
    stop: (graceMs = DEFAULT_GRACE_MS) => (stopping ??= stop(graceMs)),
  };
}

/** Resolves with the value of `promise` if it settles within `ms`, else with `undefined`. */
async function settlesWithin<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
