import { readFileSync } from 'node:fs';

import type { KubeConfig } from '@kubernetes/client-node';

import { renderKubeconfig } from '../../testkit/renderKubeconfig.ts';

/**
 * A kubeconfig holding only inline material for the current context of `kc`, which the service accepts (it
 * refuses exec plugins, auth providers and file references: they would run or read on the function host).
 * Resolved here, on the user's own machine: files are read, and an exec plugin or auth provider (kubelogin,
 * cloud CLIs) is run once for a bearer token, as kubectl would. The token expires like any kubectl token, which
 * is enough for a demo.
 * @param kc - the user's kubeconfig
 */
export async function inlineKubeconfigOf(kc: KubeConfig): Promise<string> {
  const cluster = kc.getCurrentCluster();
  const user = kc.getCurrentUser();
  if (!cluster || !user) throw new Error('the kubeconfig has no current context');
  const file = (path: string | undefined) => (path ? readFileSync(path).toString('base64') : undefined);
  const caData = cluster.caData ?? file(cluster.caFile);
  const certData = user.certData ?? file(user.certFile);
  const keyData = user.keyData ?? file(user.keyFile);
  let token = user.token;
  if (!token && !(certData && keyData)) {
    const options: { headers?: Record<string, string | string[] | undefined> } = { headers: {} };
    await kc.applyToHTTPSOptions(options);
    const auth = options.headers?.Authorization ?? options.headers?.authorization;
    token = typeof auth === 'string' ? auth.replace(/^Bearer\s+/i, '') : undefined;
  }
  if (!token && !(certData && keyData)) {
    throw new Error(`no token or client certificate could be obtained for user ${user.name}`);
  }
  return renderKubeconfig({
    clusterName: cluster.name,
    server: cluster.server,
    caData: caData ?? '',
    userName: user.name,
    ...(token ? { token } : {}),
    ...(certData && keyData ? { certData, keyData } : {}),
  });
}
