/**
 * A local Kubernetes control plane for tests and the demo: etcd + kube-apiserver (+ optionally
 * kube-controller-manager for garbage collection), all on 127.0.0.1, RBAC on, static token users, verified
 * TLS. Every process runs in its own process group and is killed when the host process ends.
 */
import { generateKeyPair } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { freePort } from './freePort.ts';
import type { KubeBinaries } from './kubeBinaries.ts';
import { createOwnedWorkDir, defaultWorkRoot, reapOrphans } from './ownedWorkDir.ts';
import type { OwnedWorkDir } from './ownedWorkDir.ts';
import { renderKubeconfig } from './renderKubeconfig.ts';
import type { ManagedProcess } from './spawnManaged.ts';
import { retryOnPortClash } from './startComponent.ts';
import { startEtcd } from './startEtcd.ts';
import { apiserverPaths, startKubeApiserver } from './startKubeApiserver.ts';
import type { StartKubeApiserverOptions } from './startKubeApiserver.ts';
import { startKubeControllerManager } from './startKubeControllerManager.ts';
import { randomToken, renderTokenAuthFile } from './TokenUser.ts';
import type { TokenUser } from './TokenUser.ts';

/** Name of the `system:masters` user every control plane has. */
export const ADMIN_USER = 'admin';

/** Options of {@link startControlPlane}. */
export interface ControlPlaneOptions {
  /** Cluster name: lowercase letters, digits and dashes (used in paths, labels and kubeconfigs). */
  readonly name: string;
  /** The binaries, from `ensureKubeBinaries()`. */
  readonly binaries: Pick<KubeBinaries, 'etcd' | 'kubeApiserver' | 'kubeControllerManager'>;
  /** Token users besides the admin, such as `defaultTestUsers`. */
  readonly users?: readonly TokenUser[];
  /** Also run kube-controller-manager (garbage collector and namespace controller). Default `false`. */
  readonly controllerManager?: boolean;
  /** Root under which the instance directory is created; `<tmpdir>/aks-keysync-localstack` by default. */
  readonly workDir?: string;
  /** Bound of each component's readiness wait; 60 s by default (busy CI runners need 30 s and more). */
  readonly startTimeoutMs?: number;
  /** Receives one line per finished step (no secrets). Silent by default. */
  readonly onProgress?: (line: string) => void;
  /**
   * An audit policy (YAML of `audit.k8s.io/v1` Policy): kube-apiserver then writes JSON audit events to
   * {@link ControlPlane.auditLogPath}. Use levels `Metadata` or `None` only: `Request` and above would write
   * Secret data to that file. None by default.
   */
  readonly auditPolicy?: string;
}

/** Milliseconds from spawn to ready, per component, as measured by the harness. */
export interface ControlPlaneTimings {
  /** etcd: spawn to `/health` 200. */
  readonly etcdReadyMs: number;
  /** kube-apiserver: spawn to `/readyz` 200. */
  readonly apiserverReadyMs: number;
  /** kube-controller-manager: spawn to "resource monitors have synced", when started. */
  readonly controllerManagerReadyMs?: number;
  /** The whole `startControlPlane` call, key generation and file writing included. */
  readonly totalMs: number;
  /** kube-apiserver after the latest `restart()`: spawn to `/readyz` 200. */
  readonly lastRestartReadyMs?: number;
}

/** Pids (= process-group ids) of the running components. */
export interface ControlPlanePids {
  /** etcd. */
  readonly etcd: number;
  /** kube-apiserver (changes on `restart()`). */
  readonly kubeApiserver: number;
  /** kube-controller-manager, when started. */
  readonly kubeControllerManager?: number;
}

/** A running local control plane. */
export interface ControlPlane {
  /** The cluster name given at start. */
  readonly name: string;
  /** `https://127.0.0.1:<port>`. */
  readonly server: string;
  /** PEM of the apiserver's self-signed serving certificate chain, to trust for `server`. */
  readonly caPem: string;
  /** Base64 of {@link ControlPlane.caPem}, as kubeconfigs' `certificate-authority-data` want it. */
  readonly caData: string;
  /** Bearer token of {@link ADMIN_USER} (`system:masters`). A secret: never log it. */
  readonly adminToken: string;
  /** Names of every token user, the admin included. */
  readonly userNames: readonly string[];
  /** The instance directory (data, certificates, logs under `logs/`); removed by `stop()`. */
  readonly workDir: string;
  /** The JSON audit log (one event per line), when started with an `auditPolicy`. Kept across restarts. */
  readonly auditLogPath: string | undefined;
  /** Start-up timings. */
  readonly timings: ControlPlaneTimings;
  /** Pids of the running components. */
  pids(): ControlPlanePids;
  /**
   * The bearer token of a user (the admin or one given at start). A secret: never log it.
   *
   * @throws for an unknown user.
   */
  tokenFor(user: string): string;
  /** A kubeconfig YAML for `user`: this cluster with `certificate-authority-data`, the user's token. */
  kubeconfigYaml(user: string): string;
  /**
   * Writes {@link ControlPlane.kubeconfigYaml} with mode 0600.
   *
   * @param path - defaults to `<workDir>/kubeconfig-<user>.yaml`.
   * @returns the path written.
   */
  writeKubeconfig(user: string, path?: string): Promise<string>;
  /** Stops and starts kube-apiserver only, on the same port with the same data and certificate. */
  restart(): Promise<void>;
  /** Stops every component and removes the instance directory. Idempotent. */
  stop(): Promise<void>;
}

const NAME = /^[a-z0-9]([a-z0-9-]{0,40}[a-z0-9])?$/;
const generateKeyPairAsync = promisify(generateKeyPair);

interface Running {
  etcd: ManagedProcess;
  apiserver: ManagedProcess;
  controllerManager?: ManagedProcess;
}

/**
 * Starts etcd and kube-apiserver (and kube-controller-manager when asked) on free loopback ports, after
 * reaping processes left by crashed earlier runs under the same work root. On failure everything started
 * so far is stopped and the instance directory removed; the error carries the last lines of the failing
 * component's log.
 */
export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  if (!NAME.test(options.name)) throw new Error(`invalid control plane name ${JSON.stringify(options.name)}`);
  const t0 = performance.now();
  const progress = options.onProgress ?? (() => undefined);
  const root = options.workDir ?? defaultWorkRoot();
  const reaped = reapOrphans(root, progress);
  if (reaped > 0) progress(`killed ${reaped} processes orphaned by an earlier run`);
  const dir = createOwnedWorkDir(root, options.name);
  const users: TokenUser[] = [
    { name: ADMIN_USER, token: randomToken(), groups: ['system:masters'] },
    ...(options.users ?? []),
  ];
  const started: ManagedProcess[] = [];
  try {
    await writeInputs(dir.path, users);
    return await startComponents({ options, dir, users, started, t0, progress });
  } catch (err) {
    for (const p of started.reverse()) await p.stop(2_000).catch(() => undefined);
    await dir.remove();
    throw err;
  }
}

interface StartContext {
  readonly options: ControlPlaneOptions;
  readonly dir: OwnedWorkDir;
  readonly users: readonly TokenUser[];
  readonly started: ManagedProcess[];
  readonly t0: number;
  readonly progress: (line: string) => void;
}

async function startComponents(ctx: StartContext): Promise<ControlPlane> {
  const { options, dir, users, started, progress } = ctx;
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const adminToken = users[0]?.token ?? '';
  const audit = options.auditPolicy ? await writeAuditPolicy(dir.path, options.auditPolicy) : undefined;
  const etcd = await startEtcd({ name: options.name, etcd: options.binaries.etcd, workDir: dir, timeoutMs });
  started.push(etcd.process);
  progress(`${options.name}: etcd ready in ${etcd.readyMs} ms`);
  const apiserver = await retryOnPortClash(async () => {
    const apiOptions: StartKubeApiserverOptions = {
      name: options.name,
      kubeApiserver: options.binaries.kubeApiserver,
      workDir: dir,
      etcdUrl: etcd.clientUrl,
      port: await freePort(),
      adminToken,
      timeoutMs,
      ...(audit ? { audit } : {}),
    };
    return { ...(await startKubeApiserver(apiOptions)), apiOptions };
  });
  started.push(apiserver.process);
  const { apiOptions } = apiserver;
  const server = `https://127.0.0.1:${apiOptions.port}`;
  progress(`${options.name}: kube-apiserver ready at ${server} in ${apiserver.readyMs} ms`);
  const caPem = await readFile(apiserverPaths(dir.path).servingCert, 'utf8');
  const running: Running = { etcd: etcd.process, apiserver: apiserver.process };
  const cp = new LocalControlPlane({ name: options.name, server, caPem, users, dir, running, apiOptions });
  let controllerManagerReadyMs: number | undefined;
  if (options.controllerManager) {
    const kcm = await startKubeControllerManager({
      name: options.name,
      kubeControllerManager: options.binaries.kubeControllerManager,
      workDir: dir,
      kubeconfigPath: await cp.writeKubeconfig(ADMIN_USER),
      timeoutMs,
    });
    started.push(kcm.process);
    running.controllerManager = kcm.process;
    controllerManagerReadyMs = kcm.readyMs;
    progress(`${options.name}: kube-controller-manager ready in ${kcm.readyMs} ms`);
  }
  cp.setTimings({
    etcdReadyMs: etcd.readyMs,
    apiserverReadyMs: apiserver.readyMs,
    controllerManagerReadyMs,
    totalMs: Math.round(performance.now() - ctx.t0),
  });
  return cp;
}

async function writeAuditPolicy(
  dir: string,
  policy: string,
): Promise<{ policyFile: string; logPath: string }> {
  const policyFile = join(dir, 'audit-policy.yaml');
  await writeFile(policyFile, policy, { mode: 0o600 });
  return { policyFile, logPath: join(dir, 'logs', 'audit.log') };
}

async function writeInputs(dir: string, users: readonly TokenUser[]): Promise<void> {
  const paths = apiserverPaths(dir);
  await mkdir(paths.certDir, { recursive: true, mode: 0o700 });
  await mkdir(join(dir, 'logs'), { recursive: true, mode: 0o700 });
  await writeFile(paths.tokenFile, renderTokenAuthFile(users), { mode: 0o600 });
  const { publicKey, privateKey } = await generateKeyPairAsync('ec', {
    namedCurve: 'P-256',
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  await writeFile(paths.saPub, publicKey, { mode: 0o600 });
  await writeFile(paths.saKey, privateKey, { mode: 0o600 });
}

interface LocalControlPlaneInit {
  readonly name: string;
  readonly server: string;
  readonly caPem: string;
  readonly users: readonly TokenUser[];
  readonly dir: OwnedWorkDir;
  readonly running: Running;
  readonly apiOptions: StartKubeApiserverOptions;
}

class LocalControlPlane implements ControlPlane {
  readonly name: string;
  readonly server: string;
  readonly caPem: string;
  readonly caData: string;
  readonly adminToken: string;
  readonly userNames: readonly string[];
  readonly workDir: string;
  readonly auditLogPath: string | undefined;
  timings: ControlPlaneTimings = { etcdReadyMs: 0, apiserverReadyMs: 0, totalMs: 0 };
  readonly #tokens: ReadonlyMap<string, string>;
  readonly #dir: OwnedWorkDir;
  readonly #running: Running;
  readonly #apiOptions: StartKubeApiserverOptions;
  #stopping: Promise<void> | undefined;
  #restarting: Promise<void> | undefined;

  constructor(init: LocalControlPlaneInit) {
    this.name = init.name;
    this.server = init.server;
    this.caPem = init.caPem;
    this.caData = Buffer.from(init.caPem, 'utf8').toString('base64');
    this.#tokens = new Map(init.users.map((u) => [u.name, u.token]));
    this.adminToken = this.tokenFor(ADMIN_USER);
    this.userNames = init.users.map((u) => u.name);
    this.workDir = init.dir.path;
    this.auditLogPath = init.apiOptions.audit?.logPath;
    this.#dir = init.dir;
    this.#running = init.running;
    this.#apiOptions = init.apiOptions;
  }

  setTimings(timings: ControlPlaneTimings): void {
    this.timings = timings;
  }

  pids(): ControlPlanePids {
    return {
      etcd: this.#running.etcd.pid,
      kubeApiserver: this.#running.apiserver.pid,
      kubeControllerManager: this.#running.controllerManager?.pid,
    };
  }

  tokenFor(user: string): string {
    const token = this.#tokens.get(user);
    if (token === undefined) throw new Error(`control plane ${this.name} has no token user ${user}`);
    return token;
  }

  kubeconfigYaml(user: string): string {
    return renderKubeconfig({
      clusterName: this.name,
      server: this.server,
      caData: this.caData,
      userName: user,
      token: this.tokenFor(user),
    });
  }

  async writeKubeconfig(user: string, path?: string): Promise<string> {
    const target = path ?? join(this.workDir, `kubeconfig-${user}.yaml`);
    await writeFile(target, this.kubeconfigYaml(user), { mode: 0o600 });
    return target;
  }

  async restart(): Promise<void> {
    if (this.#stopping) throw new Error(`control plane ${this.name} is stopped`);
    this.#restarting ??= this.#restartApiserver().finally(() => {
      this.#restarting = undefined;
    });
    return this.#restarting;
  }

  async #restartApiserver(): Promise<void> {
    const old = this.#running.apiserver;
    await old.stop();
    this.#dir.forgetProcess(old.pid);
    const started = await startKubeApiserver(this.#apiOptions);
    this.#running.apiserver = started.process;
    this.timings = { ...this.timings, lastRestartReadyMs: started.readyMs };
  }

  async stop(): Promise<void> {
    this.#stopping ??= this.#stopAll();
    return this.#stopping;
  }

  async #stopAll(): Promise<void> {
    await this.#restarting?.catch(() => undefined);
    const order = [this.#running.controllerManager, this.#running.apiserver, this.#running.etcd];
    const failures: unknown[] = [];
    for (const p of order) {
      if (p === undefined) continue;
      try {
        await p.stop();
        this.#dir.forgetProcess(p.pid);
      } catch (err) {
        failures.push(err);
      }
    }
    if (failures.length > 0)
      throw new AggregateError(failures, `control plane ${this.name}: some processes did not stop`);
    await this.#dir.remove();
  }
}
