import type { MemoryQueue } from '../../../testkit/memoryQueue.ts';
import type { SoakCluster } from '../startSoakStack.ts';
import type { FaultKind } from './Fault.ts';

/**
 * Unreachable parts: one cluster black-holed for the service (its proxy stalls every connection: requests
 * hang until the client's own timeout), and the watch queue out (publishes refused, so the watchers must hold
 * and retry; and, half of the time, its consumer stopped too, so messages wait).
 * @param clusters - the soak's clusters
 * @param queue - the watch queue
 * @param setConsumerPaused - stops or restarts the queue's consumer
 * @returns the two fault kinds
 */
export function networkFaults(
  clusters: readonly SoakCluster[],
  queue: MemoryQueue,
  setConsumerPaused: (paused: boolean) => Promise<void>,
): FaultKind[] {
  return [
    {
      kind: 'cluster-blackhole',
      perCluster: true,
      make: (cluster) => {
        const proxy = clusters.find((c) => c.name === cluster)?.proxy;
        return {
          kind: 'cluster-blackhole',
          scope: cluster ?? '*',
          lock: `proxy:${cluster ?? ''}`,
          detail: cluster ?? '',
          start: () => {
            proxy?.setBlackhole(true);
            return Promise.resolve();
          },
          stop: () => {
            proxy?.setBlackhole(false);
            return Promise.resolve();
          },
        };
      },
    },
    {
      kind: 'watch-queue-outage',
      perCluster: false,
      make: (_c, random) => {
        const consumerToo = random.chance(0.5);
        return {
          kind: 'watch-queue-outage',
          scope: '*',
          lock: 'watch-queue',
          detail: consumerToo ? 'publish refused, consumer stopped' : 'publish refused',
          start: async () => {
            queue.setOffline(true);
            if (consumerToo) await setConsumerPaused(true);
          },
          stop: async () => {
            queue.setOffline(false);
            await setConsumerPaused(false);
          },
        };
      },
    },
  ];
}
