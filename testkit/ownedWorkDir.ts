/**
 * Per-instance working directories with a pid file, so that a later start can reap processes orphaned by a
 * crashed earlier run (a jest worker killed with SIGKILL, a demo killed with `kill -9`): the pid file names
 * the owner (this Node process) and every child; a directory whose owner is dead is an orphan, its
 * recorded children are killed (only if they are still the same processes) and the directory removed.
 */
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isProcessRunning, processStartTime } from './processInfo.ts';
import { removeDirOnHostExit, signalProcessGroup } from './processRegistry.ts';

/** Name of the pid file inside each instance directory. */
export const PID_FILE = 'localstack.pids.json';
/** Directories without a pid file older than this are removed as leftovers. */
const STALE_DIR_MS = 60 * 60 * 1000;

/** One child recorded in a pid file. */
export interface RecordedProcess {
  /** Pid, which is also the process-group id (children are spawned detached). */
  readonly pid: number;
  /** Label such as `cluster-a/etcd`. */
  readonly label: string;
  /** Kernel start time, guarding against pid reuse. */
  readonly startTime: string | undefined;
}

/** Contents of a pid file. */
export interface PidFile {
  /** Pid of the Node process that owns the directory and its children. */
  readonly ownerPid: number;
  /** Kernel start time of the owner, guarding against pid reuse. */
  readonly ownerStartTime: string | undefined;
  /** ISO time the directory was created. */
  readonly createdAt: string;
  /** Children currently running. */
  readonly processes: readonly RecordedProcess[];
}

/** A working directory owned by this process, removed on {@link OwnedWorkDir.remove} or at exit. */
export interface OwnedWorkDir {
  /** Absolute path of the directory. */
  readonly path: string;
  /** Adds (or replaces, by label) a child in the pid file. */
  recordProcess(entry: RecordedProcess): void;
  /** Removes a child from the pid file once it has been stopped. */
  forgetProcess(pid: number): void;
  /** Deletes the directory and everything in it. */
  remove(): Promise<void>;
}

/** Default root of the instance directories: `<os tmpdir>/aks-keysync-localstack`. */
export function defaultWorkRoot(): string {
  return join(tmpdir(), 'aks-keysync-localstack');
}

/**
 * Creates `<root>/<prefix>-XXXXXX` with a pid file naming this process as owner, and registers its
 * removal at exit.
 */
export function createOwnedWorkDir(root: string, prefix: string): OwnedWorkDir {
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const path = mkdtempSync(join(root, `${prefix}-`));
  const unregister = removeDirOnHostExit(path);
  let processes: RecordedProcess[] = [];
  const createdAt = new Date().toISOString();
  const write = (): void => {
    const body: PidFile = {
      ownerPid: process.pid,
      ownerStartTime: processStartTime(process.pid),
      createdAt,
      processes,
    };
    const tmp = join(path, `${PID_FILE}.tmp`);
    writeFileSync(tmp, JSON.stringify(body, null, 2), { mode: 0o600 });
    renameSync(tmp, join(path, PID_FILE));
  };
  write();
  return {
    path,
    recordProcess(entry) {
      processes = [...processes.filter((p) => p.label !== entry.label), entry];
      write();
    },
    forgetProcess(pid) {
      processes = processes.filter((p) => p.pid !== pid);
      write();
    },
    async remove() {
      await rm(path, { recursive: true, force: true, maxRetries: 3 });
      unregister();
    },
  };
}

/**
 * Reaps orphans under `root`: for each instance directory whose recorded owner is dead, kills the recorded
 * process groups that are still the very processes recorded (same pid and start time), then removes the
 * directory. Directories of live owners (other test runs, other engineers) are left alone.
 *
 * @returns how many processes were killed.
 */
export function reapOrphans(root: string, onProgress?: (line: string) => void): number {
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return 0;
  }
  let killed = 0;
  for (const entry of entries) {
    const dir = join(root, entry);
    const pidFile = readPidFile(dir);
    if (pidFile === undefined) {
      if (isStaleDir(dir)) rmSync(dir, { recursive: true, force: true });
      continue;
    }
    if (isProcessRunning(pidFile.ownerPid, pidFile.ownerStartTime)) continue;
    for (const p of pidFile.processes) {
      // Without a recorded start time (no /proc) a reused pid cannot be told apart: leave it alone.
      if (p.startTime === undefined || !isProcessRunning(p.pid, p.startTime)) continue;
      if (signalProcessGroup(p.pid, 'SIGKILL')) killed++;
    }
    rmSync(dir, { recursive: true, force: true });
    onProgress?.(
      `removed ${entry}, left by dead process ${pidFile.ownerPid} (${pidFile.processes.length} children)`,
    );
  }
  return killed;
}

function readPidFile(dir: string): PidFile | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, PID_FILE), 'utf8')) as PidFile;
  } catch {
    return undefined;
  }
}

function isStaleDir(dir: string): boolean {
  try {
    const s = statSync(dir);
    return s.isDirectory() && Date.now() - s.mtimeMs > STALE_DIR_MS;
  } catch {
    return false;
  }
}
