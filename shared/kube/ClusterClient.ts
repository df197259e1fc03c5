import type { BindingRef } from '../bindings/KeyBinding.ts';

/** An existing Secret as the engine sees it. `data` holds decoded values: secret, never log. */
export interface SecretObject {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly resourceVersion: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly ownerReferences: ReadonlyArray<{ kind?: string; uid?: string; name?: string }>;
  readonly data: Readonly<Record<string, string>>;
}

/** An ownerReference as written on a Secret. */
export interface OwnerReference {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
  readonly controller?: boolean;
  readonly blockOwnerDeletion?: boolean;
}

/** A Secret to create or replace. */
export interface SecretWrite {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly ownerReferences: readonly OwnerReference[];
  readonly data: Readonly<Record<string, string>>;
  /** Required for replace: optimistic concurrency. */
  readonly resourceVersion?: string;
}

/** A Kubernetes Event about a KeyBinding. Messages carry names and reasons, never values. */
export interface BindingEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}

/** A KeyBinding reference with the UID Events and status writes need. */
export interface BindingObjectRef extends BindingRef {
  readonly uid: string;
}

/**
 * The narrow view of one cluster's API the engine needs. Implemented over @kubernetes/client-node in
 * {@link createKubeClusterClient}; errors are `KeySyncError`s (`ClusterUnreachable` retryable,
 * `ClusterForbidden`, `SecretConflict` for a resourceVersion clash).
 */
export interface ClusterClient {
  readonly cluster: string;
  /** Lists KeyBinding objects (raw), in one namespace or all. */
  listKeyBindings(namespace?: string): Promise<unknown[]>;
  /** Reads one KeyBinding (raw); undefined when it does not exist. */
  getKeyBinding(namespace: string, name: string): Promise<unknown>;
  /** Reads one Secret; undefined when it does not exist. */
  getSecret(namespace: string, name: string): Promise<SecretObject | undefined>;
  createSecret(secret: SecretWrite): Promise<void>;
  replaceSecret(secret: SecretWrite): Promise<void>;
  /** Deletes a Secret only if it still has this UID and resourceVersion. */
  deleteSecret(
    namespace: string,
    name: string,
    preconditions: { uid: string; resourceVersion: string },
  ): Promise<void>;
  /** Replaces the KeyBinding's status (merge patch of `.status`). */
  patchKeyBindingStatus(ref: BindingRef, status: Record<string, unknown>): Promise<void>;
  /** Records a Kubernetes Event on the KeyBinding. */
  recordEvent(ref: BindingObjectRef, event: BindingEvent): Promise<void>;
}
