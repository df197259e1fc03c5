/**
 * A local Azurite Table service (the emulator of Azure Table Storage) for tests and the demo, run from the
 * repository's own `node_modules/.bin/azurite-table` with the Node binary running this process.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from './freePort.ts';
import { httpStatus } from './httpStatus.ts';
import { createOwnedWorkDir, defaultWorkRoot, reapOrphans } from './ownedWorkDir.ts';
import { repoRoot } from './repoRoot.ts';
import { retryOnPortClash, startComponent } from './startComponent.ts';

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
  /** Pid (= process-group id) of the Azurite process. */
  readonly pid: number;
  /** Milliseconds from spawn to the first HTTP answer. */
  readonly readyMs: number;
  /** The instance directory (table data and `logs/azurite.log`); removed by `stop()`. */
  readonly workDir: string;
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
    const started = await retryOnPortClash(async () => {
      const port = await freePort();
      const component = await startComponent({
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
      return { ...component, port };
    });
    const tableEndpoint = `http://127.0.0.1:${started.port}/${DEV_ACCOUNT}`;
    options.onProgress?.(`azurite-table ready at ${tableEndpoint} in ${started.readyMs} ms`);
    let stopping: Promise<void> | undefined;
    return {
      tableEndpoint,
      connectionString:
        `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};` +
        `TableEndpoint=${tableEndpoint};`,
      pid: started.process.pid,
      readyMs: started.readyMs,
      workDir: dir.path,
      stop: async () =>
        (stopping ??= (async () => {
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
