import type { KubeConfig } from '@kubernetes/client-node';

/** A cluster the demo uses. */
export interface DemoCluster {
  readonly name: string;
  /** Admin access, used only to install the CRD/RBAC and create sample bindings. */
  readonly admin: KubeConfig;
  /** How the service reaches it: as an AKS cluster through the ARM simulator, or by kubeconfig. */
  readonly registration:
    | { readonly kind: 'aks'; readonly server: string; readonly caPem: string }
    | { readonly kind: 'kubeconfig'; readonly kubeconfig: string };
  /** Admin kubeconfig file, for `kubectl get keybindings`. */
  readonly adminKubeconfigPath?: string;
  /** The watcher's low-privilege identity in this cluster (local control planes); the admin when absent. */
  readonly watcher?: KubeConfig;
}

/** Where the demo runs: its clusters, Azurite, and the service identity's token. */
export interface DemoEnvironment {
  readonly clusters: readonly DemoCluster[];
  readonly azuriteConnectionString: string;
  /** Bearer token of the service identity (accepted by the simulator and, for AKS-style clusters, the apiserver). */
  readonly serviceToken: string;
  /** A kubectl binary, to show `kubectl get keybindings -A` as a user would see it. */
  readonly kubectl?: string;
}
