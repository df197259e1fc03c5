/**
 * A local Azurite Table service (the emulator of Azure Table Storage) for tests and the demo, run from the
 * repository's own `node_modules/.bin/azurite-table` with the Node binary running this process.
 */
import { mkdir } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { freePort } from './freePort.ts';
import { httpStatus } from './httpStatus.ts';
import { createOwnedWorkDir, defaultWorkRoot, reapOrphans } from './ownedWorkDir.ts';
import { signalProcessGroup } from './processRegistry.ts';
import { repoRoot } from './repoRoot.ts';
import { retryOnPortClash, startComponent } from './startComponent.ts';
import type { StartedComponent } from './startComponent.ts';

/** The well-known, public Azurite development account (not a secret, but still kept out of logs). */
const DEV_ACCOUNT = 'devstoreaccount1';
const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** Options of {@link startAzurite}. */
export interface AzuriteOptions {
  /** Root under which the instance directory is created; `<tmpdir>/aks-keysync-localstack` by default. */
  readonly workDir?: string;
  /** Bound of the readiness wait; 30 s by default. */
  readonly startTimeoutMs?: number;
  /** Receives one line per finished step. Silent by default. */
  readonly onProgress?: (line: string) => void;
}

/** A running Azurite Table service. */
export interface Azurite {
  /** `http://127.0.0.1:<port>/devstoreaccount1`. */
  readonly tableEndpoint: string;
  /**
   * The devstoreaccount1 connection string with `TableEndpoint=<tableEndpoint>;`. Use it with
   * `{ allowInsecureConnection: true }` (plain http).
   */
  readonly connectionString: string;
  /** Pid (= process-group id) of the Azurite process (changes on `restart()`). */
  readonly pid: number;
  /** Milliseconds from spawn to the first HTTP answer. */
  readonly readyMs: number;
  /** The instance directory (table data and `logs/azurite.log`); removed by `stop()`. */
  readonly workDir: string;
  /**
   * Stops Azurite cleanly (SIGINT: it saves its tables) and starts it again on the same port with the same data
   * directory, so every acknowledged write survives, as with Azure Table Storage. Concurrent calls share one
   * restart.
   */
  restart(): Promise<void>;
  /** Stops Azurite and removes its data. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts `azurite-table` on a free loopback port with telemetry off and data in a fresh directory, and
 * waits (bounded) until it answers HTTP.
 *
 * @throws when it exits or does not answer in time; the message carries the last lines of its log.
 */
export async function startAzurite(options: AzuriteOptions = {}): Promise<Azurite> {
  const root = options.workDir ?? defaultWorkRoot();
  reapOrphans(root, options.onProgress);
  const dir = createOwnedWorkDir(root, 'azurite');
  try {
    const dataDir = join(dir.path, 'data');
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    await mkdir(join(dir.path, 'logs'), { recursive: true, mode: 0o700 });
    const launch = (port: number) =>
      startComponent({
        label: 'azurite-table',
        command: process.execPath,
        args: [
          join(repoRoot, 'node_modules', '.bin', 'azurite-table'),
          '--location',
          dataDir,
          '--tableHost',
          '127.0.0.1',
          '--tablePort',
          String(port),
          '--disableTelemetry',
          '--silent',
        ],
        cwd: dir.path,
        logFile: join(dir.path, 'logs', 'azurite.log'),
        workDir: dir,
        timeoutMs: options.startTimeoutMs ?? 30_000,
        isReady: async () =>
          (await httpStatus(`http://127.0.0.1:${port}/${DEV_ACCOUNT}/Tables`)) !== undefined,
      });
    const first = await retryOnPortClash(async () => {
      const p = await freePort();
      return { component: await launch(p), port: p };
    });
    const port = first.port;
    let started: StartedComponent = first.component;
    const tableEndpoint = `http://127.0.0.1:${port}/${DEV_ACCOUNT}`;
    options.onProgress?.(`azurite-table ready at ${tableEndpoint} in ${started.readyMs} ms`);
    let stopping: Promise<void> | undefined;
    let restarting: Promise<void> | undefined;
    return {
      tableEndpoint,
      connectionString:
        `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};` +
        `TableEndpoint=${tableEndpoint};`,
      get pid() {
        return started.process.pid;
      },
      readyMs: started.readyMs,
      workDir: dir.path,
      restart: async () =>
        (restarting ??= (async () => {
          if (stopping) throw new Error('azurite-table is stopped');
          const old = started.process;
          // azurite-table saves its tables on SIGINT only (SIGTERM would lose the last seconds of writes, which
          // Azure never does): ask nicely first, then make sure.
          signalProcessGroup(old.pid, 'SIGINT');
          await Promise.race([old.exited, sleep(5_000)]);
          await old.stop(5_000);
          dir.forgetProcess(old.pid);
          started = await launch(port);
        })().finally(() => {
          restarting = undefined;
        })),
      stop: async () =>
        (stopping ??= (async () => {
          await restarting?.catch(() => undefined);
          await started.process.stop(5_000);
          dir.forgetProcess(started.process.pid);
          await dir.remove();
        })()),
    };
  } catch (err) {
    await dir.remove();
    throw err;
  }
}
