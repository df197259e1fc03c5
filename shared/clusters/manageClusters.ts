import { ErrorCode, ValidationError } from '../errors.ts';
import type { ClusterRegistration } from './ClusterRegistration.ts';
import { parseClusterRegistration } from './ClusterRegistration.ts';
import type { ClusterStore } from './ClusterStore.ts';

/** A registration as shown to people: never the kubeconfig (it may hold a credential). */
export interface ClusterSummary {
  readonly name: string;
  readonly kind: 'aks' | 'kubeconfig';
  readonly aksResourceId?: string;
  readonly allow: ClusterRegistration['allow'];
}

/**
 * Summarises a registration without its kubeconfig.
 * @param r - the registration
 */
export function summariseCluster(r: ClusterRegistration): ClusterSummary {
  return {
    name: r.name,
    kind: r.aksResourceId ? 'aks' : 'kubeconfig',
    ...(r.aksResourceId ? { aksResourceId: r.aksResourceId } : {}),
    allow: r.allow,
  };
}

/**
 * Registers (or re-registers) a cluster after validating it.
 * @param store - the cluster registry
 * @param body - the registration as received
 * @param options - whether kubeconfig registrations are allowed (KEYSYNC_ALLOW_KUBECONFIG_CLUSTERS)
 * @returns the stored registration's summary
 * @throws ValidationError naming every problem
 */
export async function registerCluster(
  store: ClusterStore,
  body: unknown,
  options: { readonly allowKubeconfig: boolean },
): Promise<ClusterSummary> {
  const registration = parseClusterRegistration(body);
  if (registration.kubeconfig && !options.allowKubeconfig)
    throw kubeconfigClustersDisabled(registration.name);
  await store.upsert(registration);
  return summariseCluster(registration);
}

/**
 * Removes a cluster registration. Its Secrets stay in the cluster; they are no longer refreshed.
 * @param store - the cluster registry
 * @param name - cluster name
 * @throws ValidationError (`ClusterNotRegistered`) when there is no such cluster
 */
export async function unregisterCluster(store: ClusterStore, name: string): Promise<void> {
  if (!(await store.remove(name))) {
    throw new ValidationError(ErrorCode.ClusterNotRegistered, `cluster '${name}' is not registered`);
  }
}

/**
 * The error for a kubeconfig registration while they are disabled.
 * @param cluster - the registration's name
 */
export function kubeconfigClustersDisabled(cluster: string): ValidationError {
  return new ValidationError(
    ErrorCode.InvalidInput,
    `cluster '${cluster}': registrations by kubeconfig are disabled; register the AKS cluster by its ARM ID ` +
      '(aksResourceId), or set KEYSYNC_ALLOW_KUBECONFIG_CLUSTERS=true for development and clusters outside AKS',
    ['kubeconfig: registrations by kubeconfig are disabled (KEYSYNC_ALLOW_KUBECONFIG_CLUSTERS)'],
    { details: { cluster } },
  );
}
