/**
 * Small, synchronous look-ups of other processes through `/proc` (Linux) with portable fall-backs, used to
 * tell a live process from a dead one and to avoid killing an unrelated process that reused a recorded pid.
 */
import { readFileSync } from 'node:fs';

/**
 * The kernel's start time of `pid` (field 22 of `/proc/<pid>/stat`, in clock ticks since boot), or
 * `undefined` where `/proc` is not available or the process does not exist. Together with the pid it
 * identifies one process for its whole life.
 */
export function processStartTime(pid: number): string | undefined {
  const stat = readStat(pid);
  if (stat === undefined) return undefined;
  // Fields after the command name, which is in parentheses and may itself contain spaces or ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return rest[19];
}

/**
 * Whether `pid` names a running process (a zombie, already dead but not yet reaped, counts as gone).
 * With `startTime` (from {@link processStartTime}) a different process that reused the pid also counts
 * as gone.
 */
export function isProcessRunning(pid: number, startTime?: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    // EPERM: it exists but belongs to someone else.
  }
  const stat = readStat(pid);
  if (stat === undefined) return !hasProcFs(); // Vanished meanwhile, or no /proc: then trust kill(0).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return false;
  return startTime === undefined || fields[19] === startTime;
}

function hasProcFs(): boolean {
  return readStat(process.pid) !== undefined;
}

function readStat(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
}
