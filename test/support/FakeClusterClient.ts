/**
 * A small hand-written in-memory {@link ClusterClient} for unit tests of the reconcile core: Secrets with
 * resourceVersions and 409s as the apiserver gives them, KeyBindings as raw objects, and faults injected per
 * operation. What only the apiserver can show (RBAC, admission, garbage collection, real timeouts) stays in the
 * integration tests.
 */
import type { BindingRef } from '../../shared/bindings/KeyBinding.ts';
import { ErrorCode, KeySyncError } from '../../shared/errors.ts';
import type {
  BindingEvent,
  BindingObjectRef,
  ClusterClient,
  SecretObject,
  SecretWrite,
} from '../../shared/kube/ClusterClient.ts';

/** Operations a fault can be injected into. */
export type FakeOperation =
  | 'listKeyBindings'
  | 'getKeyBinding'
  | 'getSecret'
  | 'createSecret'
  | 'replaceSecret'
  | 'deleteSecret'
  | 'patchKeyBindingStatus'
  | 'recordEvent';

/** Decides, per call, whether it fails: return an error to throw, or undefined to go on. */
export type Fault = (op: FakeOperation, name: string) => Error | undefined;

/** The errors the real client maps apiserver answers to. */
export const kubeErrors = {
  unavailable: (cluster: string, what: string) =>
    new KeySyncError(ErrorCode.ClusterUnreachable, `${what} in cluster ${cluster} failed: HTTP 500`, {
      retryable: true,
    }),
  conflict: (cluster: string, what: string) =>
    new KeySyncError(ErrorCode.WriteConflict, `${what} in cluster ${cluster} conflicted (409)`, {
      retryable: true,
    }),
};

/** A fake cluster: inspect `secrets`, `statuses`, `events` and `writes`; set `fault` and `beforeWrite`. */
export class FakeClusterClient implements ClusterClient {
  readonly cluster: string;
  readonly secrets = new Map<string, SecretObject>();
  readonly bindings = new Map<string, unknown>();
  readonly statuses = new Map<string, Record<string, unknown>>();
  readonly events: Array<{ ref: string; event: BindingEvent }> = [];
  /** Every Secret write that reached the store: `create ns/name` / `replace ns/name` / `delete ns/name`. */
  readonly writes: string[] = [];
  fault: Fault = () => undefined;
  /** Runs before a create or replace is checked: lets a test change the Secret under the writer's feet. */
  beforeWrite: (secret: SecretWrite) => void = () => undefined;
  #version = 1;

  constructor(cluster: string) {
    this.cluster = cluster;
  }

  /** Puts a Secret in place as another actor would (bumps its resourceVersion). */
  putSecret(s: Omit<SecretObject, 'resourceVersion' | 'uid'> & { uid?: string }): SecretObject {
    const key = `${s.namespace}/${s.name}`;
    const stored: SecretObject = {
      ...s,
      uid: s.uid ?? this.secrets.get(key)?.uid ?? `uid-${key}`,
      resourceVersion: String(++this.#version),
    };
    this.secrets.set(key, stored);
    return stored;
  }

  /** Adds a raw KeyBinding object. */
  putBinding(raw: { metadata: { namespace: string; name: string } }): void {
    this.bindings.set(`${raw.metadata.namespace}/${raw.metadata.name}`, raw);
  }

  #check(op: FakeOperation, name: string): void {
    const err = this.fault(op, name);
    if (err) throw err;
  }

  listKeyBindings(namespace?: string): Promise<unknown[]> {
    this.#check('listKeyBindings', namespace ?? '');
    return Promise.resolve(
      [...this.bindings].filter(([k]) => !namespace || k.startsWith(`${namespace}/`)).map(([, v]) => v),
    );
  }

  getKeyBinding(namespace: string, name: string): Promise<unknown> {
    this.#check('getKeyBinding', `${namespace}/${name}`);
    return Promise.resolve(this.bindings.get(`${namespace}/${name}`));
  }

  getSecret(namespace: string, name: string): Promise<SecretObject | undefined> {
    this.#check('getSecret', `${namespace}/${name}`);
    return Promise.resolve(this.secrets.get(`${namespace}/${name}`));
  }

  createSecret(secret: SecretWrite): Promise<void> {
    const key = `${secret.namespace}/${secret.name}`;
    this.#check('createSecret', key);
    this.beforeWrite(secret);
    if (this.secrets.has(key)) throw kubeErrors.conflict(this.cluster, `create Secret ${key}`);
    this.#store(secret);
    this.writes.push(`create ${key}`);
    return Promise.resolve();
  }

  replaceSecret(secret: SecretWrite): Promise<void> {
    const key = `${secret.namespace}/${secret.name}`;
    this.#check('replaceSecret', key);
    this.beforeWrite(secret);
    const current = this.secrets.get(key);
    if (!current) throw new KeySyncError(ErrorCode.InvalidInput, `update Secret ${key}: not found (404)`);
    if (current.resourceVersion !== secret.resourceVersion)
      throw kubeErrors.conflict(this.cluster, `update Secret ${key}`);
    this.#store(secret, current.uid);
    this.writes.push(`replace ${key}`);
    return Promise.resolve();
  }

  deleteSecret(
    namespace: string,
    name: string,
    preconditions: { uid: string; resourceVersion: string },
  ): Promise<void> {
    const key = `${namespace}/${name}`;
    this.#check('deleteSecret', key);
    const current = this.secrets.get(key);
    if (!current) return Promise.resolve();
    if (current.uid !== preconditions.uid || current.resourceVersion !== preconditions.resourceVersion)
      throw kubeErrors.conflict(this.cluster, `delete Secret ${key}`);
    this.secrets.delete(key);
    this.writes.push(`delete ${key}`);
    return Promise.resolve();
  }

  patchKeyBindingStatus(ref: BindingRef, status: Record<string, unknown>): Promise<void> {
    this.#check('patchKeyBindingStatus', `${ref.namespace}/${ref.name}`);
    this.statuses.set(`${ref.namespace}/${ref.name}`, status);
    return Promise.resolve();
  }

  recordEvent(ref: BindingObjectRef, event: BindingEvent): Promise<void> {
    this.#check('recordEvent', `${ref.namespace}/${ref.name}`);
    this.events.push({ ref: `${ref.namespace}/${ref.name}`, event });
    return Promise.resolve();
  }

  #store(secret: SecretWrite, uid?: string): void {
    this.secrets.set(`${secret.namespace}/${secret.name}`, {
      namespace: secret.namespace,
      name: secret.name,
      uid: uid ?? `uid-${secret.namespace}/${secret.name}`,
      resourceVersion: String(++this.#version),
      labels: { ...secret.labels },
      annotations: { ...secret.annotations },
      ownerReferences: secret.ownerReferences.map((r) => ({ ...r })),
      data: { ...secret.data },
    });
  }
}

/**
 * A client that delegates to `client` but holds every Secret read until `gate` resolves, and calls `onRead`
 * first: a pass that has read its keys and waits before it reads the Secrets (a slow cluster, a long resync).
 * @param client - the real or fake client
 * @param gate - resolves when the reads may go on
 * @param onRead - called at the first held read
 */
export function withHeldSecretReads(
  client: ClusterClient,
  gate: Promise<void>,
  onRead: () => void = () => undefined,
): ClusterClient {
  return {
    cluster: client.cluster,
    listKeyBindings: (ns) => client.listKeyBindings(ns),
    getKeyBinding: (ns, n) => client.getKeyBinding(ns, n),
    getSecret: async (ns, n) => {
      onRead();
      await gate;
      return client.getSecret(ns, n);
    },
    createSecret: (x) => client.createSecret(x),
    replaceSecret: (x) => client.replaceSecret(x),
    deleteSecret: (ns, n, p) => client.deleteSecret(ns, n, p),
    patchKeyBindingStatus: (ref, st) => client.patchKeyBindingStatus(ref, st),
    recordEvent: (ref, e) => client.recordEvent(ref, e),
  };
}
