import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';

import { registerCluster, summariseCluster, unregisterCluster } from '../shared/clusters/manageClusters.ts';
import names from '../infra/config/names.json' with { type: 'json' };
import { app } from './azureFunctions.ts';
import type { ServicesProvider } from './compositionRoot.ts';
import { getServices } from './compositionRoot.ts';
import { contextLogger } from './contextLogger.ts';
import { httpErrorResponse } from './httpErrorResponse.ts';
import { readJsonBody } from './readJsonBody.ts';

/**
 * Admin endpoint for the cluster registry (`authLevel: admin`, i.e. the host's master key):
 * `GET /api/clusters` lists registrations (never kubeconfigs), `PUT /api/clusters` registers one
 * (`{ name, aksResourceId | kubeconfig, allow: [{ namespaces, resourceIdPrefix }] }`),
 * `DELETE /api/clusters/{name}` removes one.
 * @param services - the composition root (tests pass their own)
 */
export function createClustersHandler(services: ServicesProvider = getServices) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const logger = contextLogger(context);
    try {
      const { clusters, config } = await services();
      if (request.method === 'GET')
        return { status: 200, jsonBody: (await clusters.list()).map(summariseCluster) };
      if (request.method === 'DELETE') {
        await unregisterCluster(clusters, request.params.name ?? '');
        return { status: 204 };
      }
      const summary = await registerCluster(clusters, await readJsonBody(request), {
        allowKubeconfig: config.allowKubeconfigClusters,
      });
      logger.info(
        { cluster: summary.name, kind: summary.kind, allowRules: summary.allow.length },
        'cluster registered',
      );
      return { status: 200, jsonBody: summary };
    } catch (err) {
      return httpErrorResponse(err, logger);
    }
  };
}

app.http(names.functions.clusters, {
  methods: ['GET', 'PUT', 'POST', 'DELETE'],
  authLevel: 'admin',
  route: `${names.httpRoutes.clusters}/{name?}`,
  handler: createClustersHandler(),
});
