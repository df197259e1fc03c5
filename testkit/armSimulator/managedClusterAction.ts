import { ArmHttpError, armErrors } from './ArmHttpError.ts';
import type { SimRequest, SimResponse, SimServices } from './SimRequest.ts';
import type { SimManagedCluster } from './simResources.ts';
import { userKubeconfig } from './userKubeconfig.ts';

/**
 * POST actions of `Microsoft.ContainerService/managedClusters`: `listClusterUserCredential` returns the
 * Entra-ID kubeconfig (server, CA, kubelogin stub); `listClusterAdminCredential` is refused as on a cluster
 * with local accounts disabled.
 * @param services - simulator services
 * @param req - the request
 * @param cluster - the target
 * @param action - lower-cased action
 */
export function managedClusterAction(
  services: SimServices,
  req: SimRequest,
  cluster: SimManagedCluster,
  action: string,
): SimResponse {
  switch (action) {
    case 'listclusterusercredential': {
      const yaml = userKubeconfig(cluster, services.tenantId, req.url.searchParams.get('format'));
      return {
        status: 200,
        body: { kubeconfigs: [{ name: 'clusterUser', value: Buffer.from(yaml, 'utf8').toString('base64') }] },
      };
    }
    case 'listclusteradmincredential':
      throw new ArmHttpError(
        400,
        'BadRequest',
        'Getting static credential is not allowed because this cluster is set to disable local accounts.',
      );
    default:
      throw armErrors.noRoute(req.method, req.url.pathname);
  }
}
