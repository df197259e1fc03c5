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
 * @returns the stored registration's summary
 * @throws ValidationError naming every problem
 */
export async function registerCluster(store: ClusterStore, body: unknown): Promise<ClusterSummary> {
  const registration = parseClusterRegistration(body);
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
