import { stringify } from 'yaml';

/** Inputs of {@link renderKubeconfig}. */
export interface KubeconfigParams {
  /** Cluster name, used for the cluster and in the context name. */
  readonly clusterName: string;
  /** https URL of the kube-apiserver. */
  readonly server: string;
  /** Base64 of the PEM to trust for the server's certificate. */
  readonly caData: string;
  /** User name, used for the user entry and in the context name. */
  readonly userName: string;
  /** Bearer token of the user. A secret: the YAML must be written with mode 0600 and never logged. */
  readonly token?: string;
  /** Base64 PEM client certificate and key, instead of (or beside) a token. Secret like the token. */
  readonly certData?: string;
  readonly keyData?: string;
}

/**
 * Renders a kubeconfig with one cluster (`certificate-authority-data`), one token user and one context
 * named `<user>@<cluster>`, which is the current context.
 */
export function renderKubeconfig(p: KubeconfigParams): string {
  const context = `${p.userName}@${p.clusterName}`;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: p.clusterName,
        cluster: { server: p.server, ...(p.caData ? { 'certificate-authority-data': p.caData } : {}) },
      },
    ],
    users: [
      {
        name: p.userName,
        user: {
          ...(p.token ? { token: p.token } : {}),
          ...(p.certData && p.keyData
            ? { 'client-certificate-data': p.certData, 'client-key-data': p.keyData }
            : {}),
        },
      },
    ],
    contexts: [{ name: context, context: { cluster: p.clusterName, user: p.userName } }],
    'current-context': context,
    preferences: {},
  });
}
