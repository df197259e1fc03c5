/**
 * CPU time spent by this process and the local servers during a measurement (Linux `/proc/<pid>/stat`;
 * elsewhere only this process is measured). Shows whether a run was bound by the ARM budget or by the
 * machine: the engine, the kube-apiservers, etcd and Azurite all share its cores.
 */
import { readFileSync } from 'node:fs';

/** A process to meter. */
export interface MeteredProcess {
  /** Group label, e.g. `kube-apiserver` (processes with one label are summed). */
  readonly label: string;
  readonly pid: number;
}

/** CPU seconds per label over the measured interval. */
export type CpuSeconds = ReadonlyMap<string, number>;

/** Clock ticks per second of `/proc/<pid>/stat` (USER_HZ, 100 on Linux). */
const ticksPerSecond = 100;

/** Meters CPU time between {@link CpuMeter.start} and the function it returns. */
export class CpuMeter {
  readonly #processes: readonly MeteredProcess[];

  /**
   * @param processes - other processes to meter besides this one (`engine (this process)`)
   */
  constructor(processes: readonly MeteredProcess[]) {
    this.#processes = processes;
  }

  /** Starts an interval; call the returned function to end it and get CPU seconds per label. */
  start(): () => CpuSeconds {
    const self = process.cpuUsage();
    const before = this.#processes.map((p) => ticksOf(p.pid));
    return () => {
      const used = process.cpuUsage(self);
      const out = new Map<string, number>([['engine (this process)', (used.user + used.system) / 1e6]]);
      this.#processes.forEach((p, i) => {
        const a = before[i];
        const b = ticksOf(p.pid);
        if (a === undefined || b === undefined) return;
        out.set(p.label, (out.get(p.label) ?? 0) + (b - a) / ticksPerSecond);
      });
      return out;
    };
  }
}

/** utime + stime of a process in clock ticks; undefined where /proc is not readable. */
function ticksOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

/**
 * One line: `engine (this process) 12.3 s, kube-apiserver 20.1 s, ...`.
 * @param cpu - from a meter
 */
export function formatCpu(cpu: CpuSeconds): string {
  return [...cpu].map(([label, s]) => `${label} ${s.toFixed(1)} s`).join(', ');
}
