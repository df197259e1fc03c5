/**
 * The engine on the local stack, in one piece for the integration tests (test/support/engineHarness.ts), the
 * demo (scripts/demo/runDemo.ts) and the bench (scripts/bench/startBenchEnvironment.ts): the ARM simulator
 * (HTTPS, in-process) with the service principal's token, its CA written where the configuration can name it,
 * and `createServices()` configured exactly as the function app would be, from settings only
 * (`KEYSYNC_ARM_ENDPOINT`, `KEYSYNC_ARM_CA_FILE`, Azurite's connection string, the dev bearer token).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { KubeConfig } from '@kubernetes/client-node';

import { keyBindingApi } from '../shared/bindings/KeyBinding.ts';
import { loadConfig } from '../shared/config.ts';
import type { ServiceOverrides, Services } from '../shared/createServices.ts';
import { createServices } from '../shared/createServices.ts';
import { applyManifests, waitForCrd } from './applyManifests.ts';
import { ArmSimulator } from './armSimulator/ArmSimulator.ts';
import type { ArmSimulatorOptions } from './armSimulator/ArmSimulator.ts';
import { removeDirOnHostExit } from './processRegistry.ts';
import { repoRoot } from './repoRoot.ts';

/** Options of {@link startEngine}. */
export interface EngineOptions {
  /** The bearer token the engine presents to ARM (and, on the local control planes, to Kubernetes). */
  readonly serviceToken: string;
  /** The principal the simulator maps that token to. Default `keysync-service`. */
  readonly servicePrincipal?: string;
  /** Further token -> principal pairs the simulator accepts (e.g. a user's, for the demo's curl commands). */
  readonly otherTokens?: Readonly<Record<string, string>>;
  /** Simulator options (latency, throttling, LRO duration); `tokens` comes from the two fields above. */
  readonly sim?: Omit<ArmSimulatorOptions, 'tokens'>;
  /** Azurite's connection string (cluster registry, binding index, key ledger, event claims). */
  readonly azuriteConnectionString: string;
  /**
   * Tables of their own (`<prefix>clusters<random>`, `<prefix>bindings<random>`), so that runs sharing one
   * Azurite never see each other's registrations. The product's table names when absent.
   */
  readonly uniqueTablesPrefix?: string;
  /** Further settings, e.g. `KEYSYNC_KUBE_TIMEOUT_MS` (read by `loadConfig` like any app setting). */
  readonly settings?: Readonly<Record<string, string>>;
  /** Service parts to replace (e.g. shorter stale-read waits). */
  readonly overrides?: ServiceOverrides;
}

/** The running engine. */
export interface Engine {
  readonly sim: ArmSimulator;
  /** The services the function handlers use (what the composition root would hand them). */
  readonly services: Services;
  /** PEM file of the CA the simulator's HTTPS certificate chains to (for `--cacert` and the configuration). */
  readonly armCaFile: string;
  /**
   * Fresh services over the same simulator and tables (e.g. a fresh client-side ARM write budget).
   * @param settings - settings on top of the engine's
   */
  createServices(settings?: Readonly<Record<string, string>>): Services;
  /** Stops the simulator and removes the CA file (the clusters and Azurite belong to the caller). */
  stop(): Promise<void>;
}

/**
 * Starts the simulator and the services.
 * @param options - tokens, Azurite, tables, settings
 * @throws Error when the simulator does not start or a setting is invalid (nothing is left running)
 */
export async function startEngine(options: EngineOptions): Promise<Engine> {
  const sim = await ArmSimulator.start({
    ...options.sim,
    tokens: {
      ...options.otherTokens,
      [options.serviceToken]: options.servicePrincipal ?? 'keysync-service',
    },
  });
  const dir = await mkdtemp(join(tmpdir(), 'keysync-engine-'));
  const unregisterDir = removeDirOnHostExit(dir);
  const stop = async () => {
    try {
      await sim.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
      unregisterDir();
    }
  };
  try {
    const armCaFile = join(dir, 'arm-ca.pem');
    await writeFile(armCaFile, sim.caPem, { mode: 0o600 });
    const suffix = randomUUID().replace(/-/g, '').slice(0, 16);
    const prefix = options.uniqueTablesPrefix;
    const base: Record<string, string> = {
      KEYSYNC_ARM_ENDPOINT: sim.url,
      KEYSYNC_ARM_CA_FILE: armCaFile,
      KEYSYNC_TABLES_CONNECTION_STRING: options.azuriteConnectionString,
      KEYSYNC_DEV_BEARER_TOKEN: options.serviceToken,
      KEYSYNC_ALLOW_KUBECONFIG_CLUSTERS: 'true',
      ...(prefix !== undefined
        ? {
            KEYSYNC_CLUSTERS_TABLE: `${prefix}clusters${suffix}`,
            KEYSYNC_BINDINGS_TABLE: `${prefix}bindings${suffix}`,
          }
        : {}),
      ...options.settings,
    };
    const create = (settings: Readonly<Record<string, string>> = {}) =>
      createServices(loadConfig({ ...base, ...settings }), options.overrides);
    return { sim, services: create(), armCaFile, createServices: create, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Installs what the engine needs in a cluster, as its admin: the KeyBinding CRD (waited for until served) and
 * the service's RBAC (infra/k8s/service-rbac.yaml). Idempotent (server-side apply).
 * @param admin - the cluster admin's KubeConfig
 */
export async function installEngineManifests(admin: KubeConfig): Promise<void> {
  await applyManifests(admin, join(repoRoot, 'infra/k8s/keybinding-crd.yaml'));
  await applyManifests(admin, join(repoRoot, 'infra/k8s/service-rbac.yaml'));
  await waitForCrd(admin, `${keyBindingApi.plural}.${keyBindingApi.group}`);
}
