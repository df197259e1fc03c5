import { stringify } from 'yaml';
import type { SimManagedCluster } from './simResources.ts';

/** AKS's Entra ID server application (same in every tenant). */
const aksServerAppId = '6dae42f8-4368-4678-94ff-3960e28e3630';
/** The public client kubelogin uses for interactive flows. */
const kubeloginClientId = '80faf920-1908-4b52-b5ef-a8e7bedfc67a';

/**
 * The kubeconfig AKS returns from `listClusterUserCredential` for an Entra-ID cluster: server URL and CA of
 * the cluster, and a user that is an exec (kubelogin) or `azure` auth-provider stub, not a credential.
 * @param cluster - the simulated cluster
 * @param tenantId - tenant named in the stub
 * @param format - `exec` (default) or `azure` (legacy auth-provider), as the `format` query parameter asks
 * @returns kubeconfig YAML
 */
export function userKubeconfig(cluster: SimManagedCluster, tenantId: string, format: string | null): string {
  const contextName = cluster.name;
  const userName = `clusterUser_${cluster.resourceGroup}_${cluster.name}`;
  const user =
    format?.toLowerCase() === 'azure'
      ? {
          'auth-provider': {
            name: 'azure',
            config: {
              'apiserver-id': aksServerAppId,
              'client-id': kubeloginClientId,
              'config-mode': '1',
              environment: 'AzurePublicCloud',
              'tenant-id': tenantId,
            },
          },
        }
      : {
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1beta1',
            command: 'kubelogin',
            args: [
              'get-token',
              '--login',
              'devicecode',
              '--server-id',
              aksServerAppId,
              '--client-id',
              kubeloginClientId,
              '--tenant-id',
              tenantId,
              '--environment',
              'AzurePublicCloud',
            ],
            env: null,
            provideClusterInfo: false,
            interactiveMode: 'IfNeeded',
          },
        };
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: cluster.name,
        cluster: {
          server: cluster.server,
          'certificate-authority-data': Buffer.from(cluster.caPem, 'utf8').toString('base64'),
        },
      },
    ],
    contexts: [{ name: contextName, context: { cluster: cluster.name, user: userName } }],
    'current-context': contextName,
    preferences: {},
    users: [{ name: userName, user }],
  });
}
