import type { Azurite } from '../../../testkit/Azurite.ts';
import type { SoakCluster } from '../startSoakStack.ts';
import type { FaultKind } from './Fault.ts';

/**
 * Restarts: a cluster's kube-apiserver (same port, same etcd: every watch breaks, in-flight requests fail) and
 * Azurite (same data directory: the cluster registry and binding index are unreachable meanwhile). One-shot:
 * the fault is on from the stop until the component answers again.
 * @param clusters - the soak's clusters
 * @param azurite - the storage emulator
 * @returns the two fault kinds
 */
export function restartFaults(clusters: readonly SoakCluster[], azurite: Azurite): FaultKind[] {
  return [
    {
      kind: 'apiserver-restart',
      perCluster: true,
      make: (cluster) => {
        const c = clusters.find((x) => x.name === cluster);
        return {
          kind: 'apiserver-restart',
          scope: cluster ?? '*',
          lock: `apiserver:${cluster ?? ''}`,
          instant: true,
          detail: cluster ?? '',
          start: async () => c?.controlPlane.restart(),
          stop: () => Promise.resolve(),
        };
      },
    },
    {
      kind: 'azurite-restart',
      perCluster: false,
      make: () => ({
        kind: 'azurite-restart',
        scope: '*',
        lock: 'azurite',
        instant: true,
        detail: 'same data directory',
        start: () => azurite.restart(),
        stop: () => Promise.resolve(),
      }),
    },
  ];
}
