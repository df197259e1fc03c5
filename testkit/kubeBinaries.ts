import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { signalProcessGroup, trackProcessGroup } from './processRegistry.ts';
import { repoRoot } from './repoRoot.ts';

/** Where the Kubernetes test binaries are. */
export interface KubeBinaries {
  /** Directory holding the four binaries. */
  readonly dir: string;
  /** Path of `kube-apiserver`. */
  readonly kubeApiserver: string;
  /** Path of `etcd`. */
  readonly etcd: string;
  /** Path of `kube-controller-manager` (a stub that exits 3 when it came from the envtest tarball). */
  readonly kubeControllerManager: string;
  /** Path of `kubectl`. */
  readonly kubectl: string;
  /** `false` when `kubeControllerManager` is the envtest stub: no garbage collection, no namespace deletion. */
  readonly controllerManagerAvailable: boolean;
}

/** Options of {@link ensureKubeBinaries}. */
export interface EnsureKubeBinariesOptions {
  /**
   * Receives each progress line of `scripts/kube-binaries.sh` (build steps, downloads) as it comes.
   * Defaults to writing `[kube-binaries] ...` lines to stderr, since a first build takes minutes.
   */
  readonly onProgress?: (line: string) => void;
  /** Bound of the whole provisioning, 30 minutes by default (a first build takes about 9). */
  readonly timeoutMs?: number;
  /** Environment for the script (`KEYSYNC_KUBE_ASSETS`, `KEYSYNC_CACHE_DIR`, ...); this process's by default. */
  readonly env?: NodeJS.ProcessEnv;
}

const DEFAULT_TIMEOUT_MS = 30 * 60 * 1000;
/** A real kube-controller-manager is ~90 MB; the envtest stub is a two-line shell script. */
const STUB_MAX_BYTES = 4096;

/**
 * Provisions kube-apiserver, etcd, kube-controller-manager and kubectl by running
 * `scripts/kube-binaries.sh`: `KEYSYNC_KUBE_ASSETS` if set, else the per-version cache, else a build from
 * the Go module proxy (minutes, progress streamed), else the envtest tarball. Concurrent callers are
 * serialised by the script's lock.
 *
 * @throws when the script fails or times out (the message carries its last progress lines), or when a
 *   binary it reported is missing or not executable.
 */
export async function ensureKubeBinaries(options: EnsureKubeBinariesOptions = {}): Promise<KubeBinaries> {
  const onProgress = options.onProgress ?? ((line: string) => process.stderr.write(`${line}\n`));
  const dir = await runScript(
    options.env ?? process.env,
    onProgress,
    options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  );
  const binaries = {
    dir,
    kubeApiserver: join(dir, 'kube-apiserver'),
    etcd: join(dir, 'etcd'),
    kubeControllerManager: join(dir, 'kube-controller-manager'),
    kubectl: join(dir, 'kubectl'),
  };
  for (const path of [
    binaries.kubeApiserver,
    binaries.etcd,
    binaries.kubeControllerManager,
    binaries.kubectl,
  ]) {
    await access(path, constants.X_OK).catch((err: unknown) => {
      throw new Error(`kube-binaries.sh reported ${dir}, but ${path} is not an executable file`, {
        cause: err,
      });
    });
  }
  return { ...binaries, controllerManagerAvailable: !(await isEnvtestStub(binaries.kubeControllerManager)) };
}

async function isEnvtestStub(path: string): Promise<boolean> {
  if ((await stat(path)).size > STUB_MAX_BYTES) return false;
  return (await readFile(path, 'utf8')).startsWith('#!');
}

async function runScript(
  env: NodeJS.ProcessEnv,
  onProgress: (line: string) => void,
  timeoutMs: number,
): Promise<string> {
  const script = join(repoRoot, 'scripts', 'kube-binaries.sh');
  const child = spawn('bash', [script], {
    cwd: repoRoot,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const untrack =
    child.pid === undefined ? () => undefined : trackProcessGroup(child.pid, 'kube-binaries.sh');
  const stdout: string[] = [];
  const recent: string[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => stdout.push(line));
  createInterface({ input: child.stderr }).on('line', (line) => {
    recent.push(line);
    if (recent.length > 20) recent.shift();
    onProgress(line);
  });
  const timer = setTimeout(() => {
    if (child.pid !== undefined) signalProcessGroup(child.pid, 'SIGKILL');
  }, timeoutMs);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (c) => resolve(c));
    });
    const dir = stdout
      .filter((l) => l.trim() !== '')
      .at(-1)
      ?.trim();
    if (code !== 0 || !dir) {
      const why = code === null ? `was killed (bound ${timeoutMs} ms)` : `exited with code ${code}`;
      throw new Error(`scripts/kube-binaries.sh ${why}; last lines:\n${recent.join('\n')}`);
    }
    return dir;
  } finally {
    clearTimeout(timer);
    untrack();
  }
}
