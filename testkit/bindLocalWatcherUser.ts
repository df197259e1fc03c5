import type { KubeConfig } from '@kubernetes/client-node';
import { KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';

/**
 * Binds a local token user (e.g. `keysync-watcher`) to the watcher's shipped ClusterRole, as the watcher's
 * ServiceAccount is bound in a real cluster. One binding name for every caller (tests, demo), so the user never
 * holds the role twice. Idempotent (server-side apply).
 * @param admin - admin KubeConfig of the cluster
 * @param user - the token user's name
 */
export async function bindLocalWatcherUser(admin: KubeConfig, user = 'keysync-watcher'): Promise<void> {
  await KubernetesObjectApi.makeApiClient(admin).patch(
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: `aks-keysync-watcher-${user}` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'aks-keysync-watcher' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
    },
    undefined,
    undefined,
    'aks-keysync-localstack',
    true,
    PatchStrategy.ServerSideApply,
  );
}
