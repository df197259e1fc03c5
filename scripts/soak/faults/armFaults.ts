import type { ArmSimulator, FaultHandle } from '../../../testkit/armSimulator/ArmSimulator.ts';
import type { FaultKind } from './Fault.ts';

/**
 * ARM misbehaving, through the simulator's FaultInjector and latency: bursts of 429 (with Retry-After),
 * 5xx answers, and latency spikes, on the service's calls only.
 * @param sim - the simulator
 * @param principal - the service's principal
 * @returns the three fault kinds
 */
export function armFaults(sim: ArmSimulator, principal: string): FaultKind[] {
  return [
    {
      kind: 'arm-429-burst',
      perCluster: false,
      make: (_c, random) => {
        const times = random.int(5, 25);
        const retryAfterSeconds = random.int(1, 2);
        let handle: FaultHandle | undefined;
        return {
          kind: 'arm-429-burst',
          scope: '*',
          lock: 'arm-errors',
          detail: `${times} x 429, Retry-After ${retryAfterSeconds} s`,
          start: () => {
            handle = sim.injectFault({ status: 429, retryAfterSeconds, times, match: { principal } });
            return Promise.resolve();
          },
          stop: () => {
            handle?.remove();
            return Promise.resolve();
          },
        };
      },
    },
    {
      kind: 'arm-5xx',
      perCluster: false,
      make: (_c, random) => {
        const status = random.pick([500, 502, 503]);
        const perSecond = random.int(2, 8);
        let handle: FaultHandle | undefined;
        let timer: NodeJS.Timeout | undefined;
        return {
          kind: 'arm-5xx',
          scope: '*',
          lock: 'arm-errors',
          detail: `${perSecond} x ${status} per second`,
          start: () => {
            const arm = () => {
              handle?.remove();
              handle = sim.injectFault({ status, times: perSecond, match: { principal } });
            };
            arm();
            timer = setInterval(arm, 1_000);
            return Promise.resolve();
          },
          stop: () => {
            clearInterval(timer);
            handle?.remove();
            return Promise.resolve();
          },
        };
      },
    },
    {
      kind: 'arm-latency-spike',
      perCluster: false,
      make: (_c, random) => {
        const ms = random.int(1_000, 4_000);
        return {
          kind: 'arm-latency-spike',
          scope: '*',
          lock: 'arm-latency',
          detail: `${ms} ms per call`,
          start: () => {
            sim.setLatency(ms);
            return Promise.resolve();
          },
          stop: () => {
            sim.setLatency(0);
            return Promise.resolve();
          },
        };
      },
    },
  ];
}
