import type { KeyBinding } from '../bindings/KeyBinding.ts';
import type { ClusterRegistration } from '../clusters/ClusterRegistration.ts';
import type { KeySyncError } from '../errors.ts';
import type { ClusterClient } from '../kube/ClusterClient.ts';

/** A KeyBinding that failed validation, with whatever identifies it. */
export interface InvalidBinding {
  readonly namespace: string;
  readonly name: string;
  readonly resourceId: string;
  readonly error: KeySyncError;
}

/** A reachable cluster with the bindings to reconcile in it this pass. */
export interface LoadedCluster {
  readonly registration: ClusterRegistration;
  readonly client: ClusterClient;
  readonly bindings: readonly KeyBinding[];
  readonly invalid: readonly InvalidBinding[];
}
