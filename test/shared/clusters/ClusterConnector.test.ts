/**
 * Connecting to an AKS cluster needs an Entra ID token for the AKS server application: a token source that
 * never answers must fail the connection within the credential's bound, as a retryable cluster failure.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TokenCredential } from '@azure/core-auth';

import { ArmSimulator } from '../../../testkit/armSimulator/ArmSimulator.ts';
import { armClientOptions } from '../../../shared/arm/armClientOptions.ts';
import { mapArmError } from '../../../shared/arm/mapArmError.ts';
import { aksServerScope, createClusterConnector } from '../../../shared/clusters/ClusterConnector.ts';
import { createAksEndpointResolver } from '../../../shared/clusters/createAksEndpointResolver.ts';
import { ErrorCode, KeySyncError } from '../../../shared/errors.ts';
import { boundedCredential } from '../../../shared/timeouts/boundedCredential.ts';
import { simulatorConnection, testSubscription } from '../arm/simulatorConnection.ts';

const aksId = `/subscriptions/${testSubscription}/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks-1`;
const bound = 300;

let sim: ArmSimulator;

beforeAll(async () => {
  sim = await ArmSimulator.start();
  sim.addManagedCluster({
    id: aksId,
    server: 'https://127.0.0.1:1',
    caPem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
  });
});

afterAll(() => sim.stop());

describe('createClusterConnector', () => {
  it('fails an AKS connection whose token request never answers within the bound', async () => {
    const asked: string[] = [];
    const stuck: TokenCredential = {
      getToken: (scopes) => {
        asked.push([scopes].flat().join(' '));
        return new Promise(() => {});
      },
    };
    const arm = simulatorConnection(sim);
    const connect = createClusterConnector({
      credential: boundedCredential(stuck, bound),
      // The endpoint comes from the real lookup (ARM's own token is the simulator's static one).
      resolveAksEndpoint: createAksEndpointResolver({
        credential: arm.credential,
        clientOptions: armClientOptions(arm),
        mapError: (err, resourceId, action) => mapArmError(err, { resourceId, action }),
      }),
    });
    const started = Date.now();
    const err = await connect({ name: 'aks-1', aksResourceId: aksId, allow: [] }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(bound + 3_000);
    expect(asked).toEqual([aksServerScope]);
    expect(err).toBeInstanceOf(KeySyncError);
    expect(err).toMatchObject({ code: ErrorCode.ClusterUnreachable, retryable: true });
    expect((err as Error).message).toBe(
      `cluster aks-1: getting an Entra ID token (${aksServerScope}) timed out after ${bound} ms`,
    );
  }, 15_000);
});
