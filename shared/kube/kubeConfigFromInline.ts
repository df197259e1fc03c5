import { KubeConfig } from '@kubernetes/client-node';

import type { InlineCluster } from './parseInlineKubeconfig.ts';

/**
 * A KubeConfig built from inline material only (nothing the client library could execute or read).
 * @param name - registration name (cluster, user and context names)
 * @param c - the material
 */
export function kubeConfigFromInline(name: string, c: InlineCluster): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name, server: c.server, skipTLSVerify: false, ...(c.caData ? { caData: c.caData } : {}) }],
    users: [
      {
        name,
        ...(c.token ? { token: c.token } : {}),
        ...(c.certData && c.keyData ? { certData: c.certData, keyData: c.keyData } : {}),
      },
    ],
    contexts: [{ name, cluster: name, user: name }],
    currentContext: name,
  });
  return kc;
}
