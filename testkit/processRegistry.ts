/**
 * A process-wide registry of the process groups the local stack spawned (etcd, kube-apiserver,
 * kube-controller-manager, Azurite, the kube-binaries build) and of synchronous clean-up steps (removing
 * temporary directories). Whatever is still registered when the host process ends is killed and removed:
 * on `exit` (normal end, `process.exit`, uncaught exception) every group gets SIGKILL at once; on SIGINT,
 * SIGTERM or SIGHUP every group gets SIGTERM, then SIGKILL after a bound, and the signal is re-raised (unless
 * the host took the signals over: {@link takeOverSignals}).
 *
 * Under jest the global `process` of a test file is a sandbox copy whose event listeners never fire, and
 * every test file loads its own copy of this module. So the listeners go on the host's real `process`
 * (reached through `vm.runInThisContext`) and the registry state lives on the host's global object, shared
 * by every copy of this module in the same OS process.
 */
import vm from 'node:vm';
import { rmSync } from 'node:fs';

/**
 * How long a group gets between SIGTERM and SIGKILL when the host process is interrupted. Short on purpose:
 * jest-worker sends SIGKILL 500 ms after SIGTERM to a worker it force-exits, and everything here is test data.
 */
const SIGNAL_GRACE_MS = 400;
const HANDLED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const STATE_KEY = Symbol.for('aks-keysync.localstack.processRegistry');

interface RegistryState {
  /** Process-group id (= pid of the detached leader) -> label for messages. */
  readonly groups: Map<number, string>;
  /** Synchronous clean-up steps run at exit, after the kill. */
  readonly cleanups: Set<() => void>;
  handlersInstalled: boolean;
  /** How many owners currently handle SIGINT, SIGTERM and SIGHUP themselves (see {@link takeOverSignals}). */
  signalOwners?: number;
}

/** The real Node `process` object, also when running inside a jest sandbox. */
function hostProcess(): NodeJS.Process {
  try {
    const real = vm.runInThisContext('process') as NodeJS.Process | undefined;
    if (real && typeof real.on === 'function' && real.pid === process.pid) return real;
  } catch {
    // Fall through: not in a sandbox.
  }
  return process;
}

function hostGlobal(): Record<symbol, unknown> {
  try {
    return vm.runInThisContext('globalThis') as Record<symbol, unknown>;
  } catch {
    return globalThis;
  }
}

function state(): RegistryState {
  const g = hostGlobal();
  let s = g[STATE_KEY] as RegistryState | undefined;
  if (!s) {
    s = { groups: new Map(), cleanups: new Set(), handlersInstalled: false };
    g[STATE_KEY] = s;
  }
  return s;
}

/**
 * Sends `signal` to the whole process group `pgid` (`0` only checks that the group exists).
 *
 * @returns `false` when the group no longer exists, `true` when the signal was delivered.
 */
export function signalProcessGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

function killEverythingNow(): void {
  const s = state();
  for (const pgid of s.groups.keys()) signalProcessGroup(pgid, 'SIGKILL');
  s.groups.clear();
  for (const cleanup of s.cleanups) {
    try {
      cleanup();
    } catch {
      // Best effort at exit: nothing left to report to.
    }
  }
  s.cleanups.clear();
}

async function terminateEverything(graceMs: number): Promise<void> {
  const s = state();
  const pgids = [...s.groups.keys()];
  for (const pgid of pgids) signalProcessGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && pgids.some((pgid) => signalProcessGroup(pgid, 0))) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  killEverythingNow();
}

function installHandlers(s: RegistryState): void {
  if (s.handlersInstalled) return;
  s.handlersInstalled = true;
  const real = hostProcess();
  // 'exit' also fires when an uncaught exception or unhandled rejection ends the process. No
  // 'uncaughtExceptionMonitor' on purpose: jest handles test errors that way and the process lives on.
  real.on('exit', killEverythingNow);
  for (const signal of HANDLED_SIGNALS) {
    const onSignal = (): void => {
      if ((state().signalOwners ?? 0) > 0) return;
      void terminateEverything(SIGNAL_GRACE_MS).finally(() => {
        real.removeListener(signal, onSignal);
        // Keep the default behaviour (die by the signal) unless somebody else handles it too.
        if (real.listenerCount(signal) === 0) real.kill(real.pid, signal);
      });
    };
    real.on(signal, onSignal);
  }
}

/**
 * Registers a detached child (its pid is its process-group id) so that it is killed if the host process
 * ends before the owner stops it.
 *
 * @param pgid - pid of a child spawned with `detached: true`.
 * @param label - a short name for messages, such as `cluster-a/etcd`.
 * @returns a function that unregisters the group (call it once the group is stopped).
 */
export function trackProcessGroup(pgid: number, label: string): () => void {
  const s = state();
  installHandlers(s);
  s.groups.set(pgid, label);
  return () => {
    s.groups.delete(pgid);
  };
}

/**
 * Registers a synchronous clean-up step run when the host process ends, after every tracked group was
 * killed. Keep it fast and synchronous (for example `rmSync` of a temporary directory).
 *
 * @returns a function that unregisters the step.
 */
export function onHostExit(cleanup: () => void): () => void {
  const s = state();
  installHandlers(s);
  s.cleanups.add(cleanup);
  return () => {
    s.cleanups.delete(cleanup);
  };
}

/**
 * Registers removal of `dir` at host exit.
 *
 * @returns a function that unregisters it (call it after removing the directory yourself).
 */
export function removeDirOnHostExit(dir: string): () => void {
  return onHostExit(() => rmSync(dir, { recursive: true, force: true }));
}

/**
 * Lets the host process handle SIGINT, SIGTERM and SIGHUP itself, for an owner that stops its parts
 * gracefully on Ctrl-C (`npm run demo -- --keep`): while taken over, the registry ignores those signals, so
 * that it does not kill the children and remove their directories under the owner's feet; its `exit` handler
 * stays as the safety net (SIGKILL to whatever is still registered, clean-up steps run). The owner must listen
 * to the signals and end the process.
 *
 * @returns a function that gives the signals back to the registry.
 */
export function takeOverSignals(): () => void {
  const s = state();
  installHandlers(s);
  s.signalOwners = (s.signalOwners ?? 0) + 1;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    s.signalOwners = (s.signalOwners ?? 1) - 1;
  };
}

/** Labels of the process groups currently registered in this OS process (for diagnostics and tests). */
export function trackedProcessGroups(): ReadonlyMap<number, string> {
  return new Map(state().groups);
}
