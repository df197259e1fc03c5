import type { TokenCredential } from '@azure/core-auth';
import { ContainerServiceClient } from '@azure/arm-containerservice';
import { parse as parseYaml } from 'yaml';

import { parseResourceId } from '../arm/parseResourceId.ts';
import { perSubscription } from '../arm/perSubscription.ts';
import { defaultAzureTimeoutInMs } from '../timeouts/defaultAzureTimeout.ts';
import { ErrorCode, KeySyncError } from '../errors.ts';
import { withDeadline } from '../timeouts/withDeadline.ts';
import type { AksEndpointResolver, ClusterEndpoint } from './ClusterConnector.ts';

/** What the resolver needs to call ARM. `clientOptions` come from `armClientOptions()`. */
export interface AksEndpointResolverDeps {
  readonly credential: TokenCredential;
  readonly clientOptions: ConstructorParameters<typeof ContainerServiceClient>[2];
  /** Maps ARM errors to KeySyncErrors (shared/arm/mapArmError). */
  readonly mapError: (err: unknown, resourceId: string, action: string) => Error;
  /**
   * Bound of one lookup, SDK retries and token acquisition included (KEYSYNC_AZURE_TIMEOUT_MS). Default 30 s.
   * The SDK has no timeout of its own: an ARM endpoint that never answers would hold the cluster forever.
   */
  readonly timeoutInMs?: number;
}

/**
 * Resolves an AKS cluster's API server URL and CA through ARM `listClusterUserCredential`. Only `server` and
 * `certificate-authority-data` are taken from the returned kubeconfig; its user entry (a kubelogin stub for
 * Entra ID clusters, or a static credential on local-account clusters) is ignored and never kept. A lookup
 * that exceeds `timeoutInMs` fails with the mapped timeout (`ArmUnavailable`, retryable).
 * @param deps - identity, client options, error mapping, bound
 */
export function createAksEndpointResolver(deps: AksEndpointResolverDeps): AksEndpointResolver {
  const clientFor = perSubscription(
    (subscriptionId) => new ContainerServiceClient(deps.credential, subscriptionId, deps.clientOptions),
  );

  return async (aksResourceId) => {
    const id = parseResourceId(aksResourceId);
    let value: Uint8Array | undefined;
    try {
      const result = await withDeadline(deps.timeoutInMs ?? defaultAzureTimeoutInMs, (abortSignal) =>
        clientFor(id.subscriptionId).managedClusters.listClusterUserCredentials(id.resourceGroup, id.name, {
          abortSignal,
        }),
      );
      value = result.kubeconfigs?.[0]?.value;
    } catch (err) {
      throw deps.mapError(
        err,
        aksResourceId,
        'Microsoft.ContainerService/managedClusters/listClusterUserCredential/action',
      );
    }
    return endpointFromKubeconfig(value, aksResourceId);
  };
}

function endpointFromKubeconfig(value: Uint8Array | undefined, aksResourceId: string): ClusterEndpoint {
  const bad = (why: string) =>
    new KeySyncError(ErrorCode.ClusterUnreachable, `AKS cluster ${aksResourceId}: ${why}`, {
      details: { resourceId: aksResourceId },
    });
  if (!value || value.length === 0) throw bad('listClusterUserCredential returned no kubeconfig');
  let doc: { clusters?: Array<{ cluster?: { server?: string; 'certificate-authority-data'?: string } }> };
  try {
    doc = parseYaml(Buffer.from(value).toString('utf8')) as typeof doc;
  } catch {
    throw bad('the kubeconfig from listClusterUserCredential is not valid YAML');
  }
  const cluster = doc.clusters?.[0]?.cluster;
  if (!cluster?.server || !cluster['certificate-authority-data']) {
    throw bad('the kubeconfig from listClusterUserCredential has no server or certificate-authority-data');
  }
  return { server: cluster.server, caData: cluster['certificate-authority-data'] };
}
