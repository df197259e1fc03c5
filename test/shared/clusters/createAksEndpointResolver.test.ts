/**
 * The AKS endpoint lookup (ARM listClusterUserCredential) through the real ContainerServiceClient: against
 * the ARM simulator, and bounded against an ARM endpoint or a token source that never answers.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { TokenCredential } from '@azure/core-auth';

import { ArmSimulator } from '../../../testkit/armSimulator/ArmSimulator.ts';
import { armClientOptions } from '../../../shared/arm/armClientOptions.ts';
import type { ArmConnection } from '../../../shared/arm/armClientOptions.ts';
import { mapArmError } from '../../../shared/arm/mapArmError.ts';
import { createAksEndpointResolver } from '../../../shared/clusters/createAksEndpointResolver.ts';
import { ErrorCode, KeySyncError } from '../../../shared/errors.ts';
import { boundedCredential } from '../../../shared/timeouts/boundedCredential.ts';
import type { BlackHole } from '../../support/blackHole.ts';
import { startTcpBlackHole } from '../../support/blackHole.ts';
import { simulatorConnection, testSubscription } from '../arm/simulatorConnection.ts';

const aksId = `/subscriptions/${testSubscription}/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-1`;
const caPem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const bound = 400;
/** Slack for a loaded machine: the call must still end long before a test timeout. */
const slack = 3_000;

let sim: ArmSimulator;
let hole: BlackHole;

beforeAll(async () => {
  sim = await ArmSimulator.start();
  sim.addManagedCluster({ id: aksId, server: 'https://10.0.0.1:443', caPem });
  hole = await startTcpBlackHole();
});

afterAll(async () => {
  await sim.stop();
  await hole.close();
});

afterEach(() => sim.clearFaults());

function resolverFor(connection: ArmConnection, timeoutInMs = bound) {
  return createAksEndpointResolver({
    credential: connection.credential,
    clientOptions: armClientOptions(connection),
    mapError: (err, resourceId, action) => mapArmError(err, { resourceId, action }),
    timeoutInMs,
  });
}

async function timedFailure(promise: Promise<unknown>): Promise<{ err: KeySyncError; ms: number }> {
  const started = Date.now();
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(KeySyncError);
  return { err: err as KeySyncError, ms: Date.now() - started };
}

describe('createAksEndpointResolver', () => {
  it('reads the server and CA from listClusterUserCredential', async () => {
    const endpoint = await resolverFor(simulatorConnection(sim), 10_000)(aksId);
    expect(endpoint).toEqual({
      server: 'https://10.0.0.1:443',
      caData: Buffer.from(caPem).toString('base64'),
    });
  });

  it('gives up on an ARM endpoint that accepts and never answers, within its bound', async () => {
    const connection = { ...simulatorConnection(sim), endpoint: `https://127.0.0.1:${hole.port}` };
    const { err, ms } = await timedFailure(resolverFor(connection)(aksId));
    expect(hole.connections()).toBeGreaterThan(0);
    expect(ms).toBeLessThan(bound + slack);
    expect(err.code).toBe(ErrorCode.ArmUnavailable);
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('listClusterUserCredential');
    expect(err.message).toContain(`timed out after ${bound} ms`);
  }, 15_000);

  it('gives up on a hung listClusterUserCredential answer, SDK retries included', async () => {
    sim.injectFault({
      match: { operation: 'listClusterUserCredential/action' },
      delayInMs: 60_000,
      times: Infinity,
    });
    const { err, ms } = await timedFailure(resolverFor(simulatorConnection(sim))(aksId));
    expect(ms).toBeLessThan(bound + slack);
    expect([err.code, err.retryable]).toEqual([ErrorCode.ArmUnavailable, true]);
  }, 15_000);

  it('gives up on a token request that never answers, naming the token', async () => {
    const stuck: TokenCredential = { getToken: () => new Promise(() => {}) };
    const connection = simulatorConnection(sim, { credential: boundedCredential(stuck, bound) });
    // The lookup's own bound is long: only the token's bound can end this call in time.
    const { err, ms } = await timedFailure(resolverFor(connection, 60_000)(aksId));
    expect(ms).toBeLessThan(bound + slack);
    expect([err.code, err.retryable]).toEqual([ErrorCode.ArmUnavailable, true]);
    expect(err.message).toContain('getting an Entra ID token');
    expect(err.message).toContain(`timed out after ${bound} ms`);
  }, 15_000);
});
