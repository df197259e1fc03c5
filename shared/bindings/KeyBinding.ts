/** API group, version and names of the KeyBinding custom resource (infra/k8s/keybinding-crd.yaml). */
export const keyBindingApi = {
  group: 'keysync.dev',
  version: 'v1alpha1',
  plural: 'keybindings',
  kind: 'KeyBinding',
  apiVersion: 'keysync.dev/v1alpha1',
} as const;

/** Where one value goes: a data key in a Secret in the binding's own namespace. */
export interface SecretDestination {
  readonly name: string;
  readonly key: string;
}

/** Identifies a KeyBinding in one registered cluster. */
export interface BindingRef {
  readonly cluster: string;
  readonly namespace: string;
  readonly name: string;
}

/** A KeyBinding as read from a cluster and validated. */
export interface KeyBinding extends BindingRef {
  readonly uid: string;
  readonly generation: number;
  readonly creationTimestamp: string;
  /** The ARM ID exactly as the user wrote it. */
  readonly resourceId: string;
  /** Value name (e.g. `primaryKey`) -> destination. */
  readonly secrets: Readonly<Record<string, SecretDestination>>;
  /** Secrets this binding owned after its last sync (from status), used to remove ones no longer mapped. */
  readonly previouslyOwnedSecrets: readonly string[];
  /** The Ready condition found in status, used to record Events only on change. */
  readonly ready?: { readonly status: string; readonly reason: string; readonly lastTransitionTime?: string };
}

/**
 * Formats a binding reference for messages and logs: `cluster/namespace/name`.
 * @param ref - the binding
 */
export function bindingLabel(ref: BindingRef): string {
  return `${ref.cluster}/${ref.namespace}/${ref.name}`;
}
