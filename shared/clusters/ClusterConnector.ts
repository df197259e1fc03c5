import type { TokenCredential } from '@azure/core-auth';

import { ErrorCode, KeySyncError } from '../errors.ts';
import type { ClusterClient } from '../kube/ClusterClient.ts';
import { createKubeClusterClient } from '../kube/createKubeClusterClient.ts';
import { kubeConfigFromInline } from '../kube/kubeConfigFromInline.ts';
import { parseInlineKubeconfig } from '../kube/parseInlineKubeconfig.ts';
import { isDeadlineExceeded } from '../timeouts/withDeadline.ts';
import type { ClusterRegistration } from './ClusterRegistration.ts';
import { kubeconfigClustersDisabled } from './manageClusters.ts';

/** Entra ID application of the AKS API server: tokens for AKS clusters are requested for this scope. */
export const aksServerScope = '6dae42f8-4368-4678-94ff-3960e28e3630/.default';

/** Where an AKS cluster's API server is and which CA signs its certificate (no credential). */
export interface ClusterEndpoint {
  readonly server: string;
  /** Base64 PEM of the cluster CA, as in a kubeconfig's certificate-authority-data. */
  readonly caData: string;
}

/** Resolves an AKS cluster's endpoint, e.g. through ARM `listClusterUserCredential`. */
export type AksEndpointResolver = (aksResourceId: string) => Promise<ClusterEndpoint>;

/** Turns a registration into a client for that cluster. */
export type ClusterConnector = (registration: ClusterRegistration) => Promise<ClusterClient>;

/** Dependencies of {@link createClusterConnector}. */
export interface ClusterConnectorDeps {
  /**
   * The service's identity; for AKS clusters a token for {@link aksServerScope} is the bearer. Give it a
   * bound (`boundedCredential`): a token request past it fails as `ClusterUnreachable`, retryable.
   */
  readonly credential: TokenCredential;
  readonly resolveAksEndpoint: AksEndpointResolver;
  /** How long a resolved AKS endpoint is reused. Default 10 minutes. */
  readonly endpointCacheTtlInMs?: number;
  readonly requestTimeoutInMs?: number;
  /** Whether kubeconfig registrations may be connected to (KEYSYNC_ALLOW_KUBECONFIG_CLUSTERS). Default false. */
  readonly allowKubeconfig?: boolean;
  readonly now?: () => number;
}

/**
 * Creates the connector: kubeconfig registrations are used as given (local runs, tests); AKS registrations use
 * the service identity's Entra token against the server URL and CA from ARM. No credential is stored.
 * @param deps - identity, endpoint resolver, cache and timeout settings
 */
export function createClusterConnector(deps: ClusterConnectorDeps): ClusterConnector {
  const ttl = deps.endpointCacheTtlInMs ?? 10 * 60_000;
  const now = deps.now ?? Date.now;
  const cache = new Map<string, { endpoint: ClusterEndpoint; at: number }>();
  const options = deps.requestTimeoutInMs ? { requestTimeoutInMs: deps.requestTimeoutInMs } : {};

  const endpointFor = async (id: string): Promise<ClusterEndpoint> => {
    const hit = cache.get(id.toLowerCase());
    if (hit && now() - hit.at < ttl) return hit.endpoint;
    const endpoint = await deps.resolveAksEndpoint(id);
    cache.set(id.toLowerCase(), { endpoint, at: now() });
    return endpoint;
  };

  return async (registration) => {
    if (registration.kubeconfig) {
      if (deps.allowKubeconfig !== true) throw kubeconfigClustersDisabled(registration.name);
      // Inline material only: a registered kubeconfig's exec plugins, auth providers and file references are
      // never handed to the client library (they would run on this host, under this identity).
      const inline = parseInlineKubeconfig(registration.kubeconfig, registration.name);
      return createKubeClusterClient(
        registration.name,
        kubeConfigFromInline(registration.name, inline),
        options,
      );
    }
    const endpoint = await endpointFor(registration.aksResourceId ?? '');
    const token = await getAksToken(deps.credential, registration.name);
    const kc = kubeConfigFromInline(registration.name, {
      server: endpoint.server,
      caData: endpoint.caData,
      token,
    });
    return createKubeClusterClient(registration.name, kc, options);
  };
}

async function getAksToken(credential: TokenCredential, cluster: string): Promise<string> {
  try {
    const t = await credential.getToken(aksServerScope);
    if (!t) throw new Error('no token returned');
    return t.token;
  } catch (err) {
    if (isDeadlineExceeded(err)) {
      throw new KeySyncError(ErrorCode.ClusterUnreachable, `cluster ${cluster}: ${err.message}`, {
        retryable: true,
        cause: err,
        details: { cluster },
      });
    }
    throw new KeySyncError(
      ErrorCode.ClusterForbidden,
      `cluster ${cluster}: could not get an Entra token for the AKS server application (${aksServerScope})`,
      { retryable: true, cause: err, details: { cluster } },
    );
  }
}
