/**
 * The ARM simulator: the project's stand-in for Azure Resource Manager, used by tests and by `npm run demo`.
 *
 * It serves, over HTTPS on 127.0.0.1 with a throw-away CA, the ARM REST surface the engine uses (Storage,
 * Cosmos DB and Redis keys, AKS user credentials) with ARM's status codes, error bodies, throttling and
 * long-running operations, and raises the Event Grid events of the Azure-subscription system topic.
 * Tests drive it through the control API below (no HTTP), inject faults, and assert on the call log.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { AccessPolicy } from './AccessPolicy.ts';
import type { ArmEvent } from './ArmEvent.ts';
import {
  throttlingLimitsOf,
  type ArmSimulatorOptions,
  type ThrottlingOptions,
} from './ArmSimulatorOptions.ts';
import { ArmThrottle } from './ArmThrottle.ts';
import { CallLog, type ArmCall, type ArmCallFilter } from './CallLog.ts';
import { CancellableTimers } from './CancellableTimers.ts';
import { createSimServices } from './createSimServices.ts';
import { EventBus, type EventSubscriptionHandle } from './EventBus.ts';
import type { EventSubscriptionOptions } from './EventSubscription.ts';
import { FaultInjector, type FaultHandle, type FaultRule } from './FaultInjector.ts';
import { generateTlsMaterial } from './generateTlsMaterial.ts';
import { handleArmRequest, type ArmRequestPipeline } from './handleArmRequest.ts';
import { LongRunningOperations } from './LongRunningOperations.ts';
import {
  newCosmosAccount,
  newManagedCluster,
  newRedisCache,
  newStorageAccount,
  type CosmosAccountSpec,
  type ManagedClusterSpec,
  type RedisCacheSpec,
  type StorageAccountSpec,
} from './newSimResource.ts';
import { currentKeys, ResourceStore, type KeyHistory } from './ResourceStore.ts';
import { simPrincipal, type SimPrincipal } from './SimPrincipal.ts';
import { runControlOperation } from './runControlOperation.ts';
import type { SimResponse, SimServices } from './SimRequest.ts';
import type { SimResource } from './simResources.ts';

/** Body property that names the key to regenerate, per resource kind. */
const regenerateProperty = {
  storage: 'keyName',
  cosmos: 'keyKind',
  redis: 'keyType',
  managedCluster: '',
} as const;

/** Flag that disables key authentication, per resource kind, and its value when keys are enabled. */
const keyAuthFlag = {
  storage: ['allowSharedKeyAccess', true],
  cosmos: ['disableLocalAuth', false],
  redis: ['disableAccessKeyAuthentication', false],
} as const;

/** A running ARM simulator. Create with {@link ArmSimulator.start}; always {@link ArmSimulator.stop} it. */
export class ArmSimulator {
  /** Base URL, e.g. `https://127.0.0.1:41234` (use as the ARM endpoint). */
  readonly url: string;
  /** PEM of the CA that signed the serving certificate (client option `tlsOptions: { ca }`). */
  readonly caPem: string;
  readonly #server: Server;
  readonly #timers = new CancellableTimers();
  readonly #store = new ResourceStore();
  readonly #callLog = new CallLog();
  readonly #faults = new FaultInjector();
  readonly #bus = new EventBus(this.#timers);
  readonly #operations = new LongRunningOperations(this.#timers);
  readonly #access: AccessPolicy;
  readonly #services: SimServices;
  readonly #operator: SimPrincipal;
  #throttle: ArmThrottle | undefined;
  #latencyInMs: number;
  #stopped: Promise<void> | undefined;
  readonly #pipeline: ArmRequestPipeline;

  private constructor(server: Server, url: string, caPem: string, options: ArmSimulatorOptions) {
    this.#server = server;
    this.url = url;
    this.caPem = caPem;
    this.#access = new AccessPolicy(options.tokens, options.deniedActions);
    this.#operator = simPrincipal(options.operatorPrincipal ?? 'arm-simulator-operator', 'User');
    this.#latencyInMs = options.latencyInMs ?? 0;
    this.setThrottling(options.throttling);
    this.#services = createSimServices({
      store: this.#store,
      operations: this.#operations,
      bus: this.#bus,
      tenantId: options.tenantId ?? '99999999-8888-7777-6666-555555555555',
      baseUrl: url,
      lroDurationInMs: options.lroDurationInMs ?? 1000,
      cosmosRegenerateEventAt: options.cosmosRegenerateEventAt ?? 'accepted',
    });
    this.#pipeline = {
      services: this.#services,
      access: this.#access,
      throttle: () => this.#throttle,
      faults: this.#faults,
      callLog: this.#callLog,
      timers: this.#timers,
      latencyInMs: () => this.#latencyInMs,
    };
  }

  /**
   * Generates TLS material and starts listening.
   * @param options - see {@link ArmSimulatorOptions}
   */
  static async start(options: ArmSimulatorOptions = {}): Promise<ArmSimulator> {
    const tls = await generateTlsMaterial();
    const server = createServer({ key: tls.keyPem, cert: tls.certPem });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const sim = new ArmSimulator(server, `https://127.0.0.1:${port}`, tls.caPem, options);
    server.on('request', (req, res) => {
      handleArmRequest(sim.#pipeline, req, res).catch(() => res.destroy());
    });
    return sim;
  }

  // ---- resources -------------------------------------------------------------------------------------------

  /** Adds a storage account with fresh keys (no event). @returns its resource ID */
  addStorageAccount(spec: StorageAccountSpec): string {
    return this.#add(newStorageAccount(this.#store, spec));
  }

  /** Adds a Cosmos DB account with fresh keys (no event). @returns its resource ID */
  addCosmosAccount(spec: CosmosAccountSpec): string {
    return this.#add(newCosmosAccount(this.#store, spec));
  }

  /** Adds an Azure Cache for Redis with fresh keys (no event). @returns its resource ID */
  addRedisCache(spec: RedisCacheSpec): string {
    return this.#add(newRedisCache(this.#store, spec));
  }

  /** Registers an AKS cluster backed by a local control plane (server URL + CA), no event. @returns its ID */
  addManagedCluster(spec: ManagedClusterSpec): string {
    return this.#add(newManagedCluster(spec));
  }

  /** Declares an empty resource group (requests into unknown groups get 404 `ResourceGroupNotFound`). */
  addResourceGroup(subscriptionId: string, resourceGroup: string): void {
    this.#store.addResourceGroup(subscriptionId, resourceGroup);
  }

  #add(resource: SimResource): string {
    this.#store.add(resource);
    return resource.id;
  }

  /**
   * Deletes a resource as a `DELETE` through ARM would, raising ResourceDeleteSuccess.
   * @returns false when there was no such resource
   */
  deleteResource(id: string): boolean {
    if (!this.#store.get(id)) return false;
    this.#control('DELETE', id);
    return true;
  }

  /**
   * Enables or disables key authentication (storage `allowSharedKeyAccess`, cosmos `disableLocalAuth`, redis
   * `disableAccessKeyAuthentication`) as a `PATCH` through ARM would, raising ResourceWriteSuccess.
   * @throws Error for an unknown ID or a type without keys
   */
  setKeyAuthentication(id: string, enabled: boolean): void {
    const kind = this.#require(id).kind;
    if (kind === 'managedCluster') throw new Error(`${id} has no keys`);
    const [flag, enabledValue] = keyAuthFlag[kind];
    this.#control('PATCH', id, undefined, { properties: { [flag]: enabled ? enabledValue : !enabledValue } });
  }

  /**
   * Regenerates a key exactly as the REST call does (same validation, same event; Cosmos DB: a long-running
   * operation, the promise resolves when it completed).
   * @param id - resource ID, any casing
   * @param which - storage `key1`/`key2`, cosmos `primary`/`secondary`/`primaryReadonly`/`secondaryReadonly`,
   *   redis `Primary`/`Secondary` (any casing; `primary`/`secondary` work for every type)
   * @throws Error for an unknown ID or key name
   */
  async regenerateKey(id: string, which: string): Promise<void> {
    const kind = this.#require(id).kind;
    const res = this.#control('POST', id, 'regenerateKey', { [regenerateProperty[kind]]: which });
    const status = res.headers?.['Azure-AsyncOperation'];
    if (status) await this.#operations.whenDone(new URL(status).pathname.split('/').pop() ?? '');
  }

  /** Current keys of a resource by their ARM names (`key1`, `primaryMasterKey`, `primaryKey`...). */
  keysOf(id: string): Readonly<Record<string, string>> {
    return currentKeys(this.#require(id));
  }

  /**
   * Every value each key of a resource held, oldest first, by the names of {@link ArmSimulator.keysOf}: the
   * index of a value is its generation, so an observer can tell an older key from a newer one.
   * @param id - resource ID, any casing (kept after the resource is deleted)
   */
  keyHistory(id: string): KeyHistory {
    return this.#store.keyHistory(id);
  }

  /** Every key value the simulator ever issued (for leak scans of logs and outputs). */
  keyValues(): string[] {
    return this.#store.issuedKeys();
  }

  #require(id: string): SimResource {
    const r = this.#store.get(id);
    if (!r) throw new Error(`the ARM simulator has no resource ${id}`);
    return r;
  }

  #control(method: string, id: string, action?: string, body?: unknown): SimResponse {
    return runControlOperation(this.#services, this.#operator, {
      method,
      resource: this.#require(id),
      action,
      body,
    });
  }

  // ---- behaviour -------------------------------------------------------------------------------------------

  /** Adds a fault rule (first matching rule with uses left applies). */
  injectFault(rule: FaultRule): FaultHandle {
    return this.#faults.add(rule);
  }

  /** Removes every fault rule. */
  clearFaults(): void {
    this.#faults.clear();
  }

  /** Sets the latency added to every request (ms). */
  setLatency(ms: number): void {
    this.#latencyInMs = ms;
  }

  /** Replaces the throttling limits and refills every bucket; `false` turns throttling off. */
  setThrottling(options: ThrottlingOptions | undefined): void {
    const limits = throttlingLimitsOf(options);
    this.#throttle = limits ? new ArmThrottle(limits) : undefined;
  }

  /** Denies actions to a principal (403 `AuthorizationFailed`); a trailing `*` matches a prefix. */
  denyActions(principal: string, actions: readonly string[]): void {
    this.#access.deny(principal, actions);
  }

  /** Lifts the denials of one principal, or of everyone. */
  clearDeniedActions(principal?: string): void {
    this.#access.clear(principal);
  }

  // ---- observation -----------------------------------------------------------------------------------------

  /** Calls answered so far, optionally filtered. */
  calls(filter?: ArmCallFilter): ArmCall[] {
    return this.#callLog.list(filter);
  }

  /** Forgets the call log. */
  resetCalls(): void {
    this.#callLog.reset();
  }

  // ---- events ----------------------------------------------------------------------------------------------

  /** Subscribes a webhook URL or an in-process handler to every event raised from now on. */
  subscribeEvents(options: EventSubscriptionOptions): EventSubscriptionHandle {
    return this.#bus.subscribe(options);
  }

  /** Every event raised so far, in order. */
  publishedEvents(): ArmEvent[] {
    return this.#bus.published();
  }

  /**
   * Resolves when every raised event was delivered or dead-lettered (and pending LROs that raise events on
   * completion finished).
   * @param timeoutInMs - rejects after this long (default 10 s)
   */
  waitForDeliveries(timeoutInMs = 10_000): Promise<void> {
    return this.#bus.waitForIdle(timeoutInMs);
  }

  /** Cancels pending deliveries, operations and delayed responses, and closes the server. Idempotent. */
  stop(): Promise<void> {
    this.#stopped ??= new Promise<void>((resolve) => {
      this.#timers.cancelAll();
      this.#bus.stop();
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
    return this.#stopped;
  }
}

export type { ArmSimulatorOptions, ThrottlingOptions } from './ArmSimulatorOptions.ts';
export type { ArmCall, ArmCallFilter } from './CallLog.ts';
export type { FaultHandle, FaultMatch, FaultRule } from './FaultInjector.ts';
export type { KeyHistory } from './ResourceStore.ts';
export type {
  ArmCloudEvent,
  ArmEvent,
  ArmEventType,
  DeliveredArmEvent,
  EventDeliverySchema,
} from './ArmEvent.ts';
export { inDeliverySchema } from './ArmEvent.ts';
export type { EventSubscriptionHandle } from './EventBus.ts';
export type {
  DeadLetteredEvent,
  DeliveryAttempt,
  EventFilter,
  EventSubscriptionOptions,
} from './EventSubscription.ts';
export type { EventHandler } from './deliverOnce.ts';
export type {
  CosmosAccountSpec,
  ManagedClusterSpec,
  RedisCacheSpec,
  StorageAccountSpec,
} from './newSimResource.ts';
export { staticTokenCredential } from './staticTokenCredential.ts';
