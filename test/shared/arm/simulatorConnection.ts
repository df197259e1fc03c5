import { ArmSimulator, staticTokenCredential } from '../../../testkit/armSimulator/ArmSimulator.ts';
import type { ArmConnection } from '../../../shared/arm/armClientOptions.ts';

/** Principal name (= bearer token) the tests call ARM as. */
export const testPrincipal = 'keysync-test';

/** Subscription used by the tests. */
export const testSubscription = '11111111-2222-3333-4444-555555555555';

/**
 * An ARM connection to the simulator with short SDK retry delays, so failure paths stay fast.
 * @param sim - the simulator
 * @param overrides - connection fields to change
 */
export function simulatorConnection(
  sim: ArmSimulator,
  overrides: Partial<ArmConnection> = {},
): ArmConnection {
  return {
    endpoint: sim.url,
    credential: staticTokenCredential(testPrincipal),
    caPem: sim.caPem,
    maxRetries: 3,
    retryDelayInMs: 10,
    maxRetryDelayInMs: 50,
    requestTimeoutInMs: 5_000,
    ...overrides,
  };
}

/** A rate limiter stand-in that counts acquisitions per subscription. */
export function countingRateLimiter(): {
  acquire(subscriptionId: string): Promise<void>;
  acquired: string[];
} {
  const acquired: string[] = [];
  return {
    acquired,
    acquire(subscriptionId: string) {
      acquired.push(subscriptionId);
      return Promise.resolve();
    },
  };
}
