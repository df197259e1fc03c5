import { ArmHttpError, armErrors } from './ArmHttpError.ts';
import { cosmosAction } from './cosmosAction.ts';
import { managedClusterAction } from './managedClusterAction.ts';
import type { ResourceRoute } from './parseArmRoute.ts';
import { putResource } from './putResource.ts';
import { isKnownNamespace } from './resourceTypes.ts';
import { redisAction } from './redisAction.ts';
import { resourceView } from './resourceView.ts';
import type { SimRequest, SimResponse, SimServices } from './SimRequest.ts';
import type { SimResource } from './simResources.ts';
import { storageAction } from './storageAction.ts';

function action(services: SimServices, req: SimRequest, resource: SimResource, name: string): SimResponse {
  switch (resource.kind) {
    case 'storage':
      return storageAction(services, req, resource, name);
    case 'cosmos':
      return cosmosAction(services, req, resource, name);
    case 'redis':
      return redisAction(services, req, resource, name);
    case 'managedCluster':
      return managedClusterAction(services, req, resource, name);
  }
}

/**
 * Checks, in ARM's order, that the type exists and then that the resource group exists.
 * @throws ArmHttpError 400 for unknown types or namespaces, 404 `ResourceGroupNotFound`
 */
function checkScope(services: SimServices, route: ResourceRoute): void {
  if (!route.typeInfo) {
    if (isKnownNamespace(route.namespace)) throw armErrors.invalidResourceType(route.namespace, route.type);
    throw new ArmHttpError(
      400,
      'NoRegisteredProviderFound',
      `No registered resource provider found for location and API version for type '${route.namespace}/${route.type}'.`,
    );
  }
  if (!services.store.hasResourceGroup(route.subscriptionId, route.resourceGroup)) {
    throw armErrors.resourceGroupNotFound(route.resourceGroup);
  }
}

function serveAction(
  services: SimServices,
  req: SimRequest,
  resource: SimResource,
  actionName: string,
): SimResponse {
  const name = actionName.toLowerCase();
  // Only Cosmos DB's readonlykeys also has a GET form; every other action is POST-only.
  const getAllowed = resource.kind === 'cosmos' && name === 'readonlykeys';
  if (req.method !== 'POST' && !(req.method === 'GET' && getAllowed)) {
    throw armErrors.noRoute(req.method, req.url.pathname);
  }
  return { ...action(services, req, resource, name), resourceId: resource.id };
}

/**
 * Serves a request on a top-level resource: GET, PUT/PATCH, DELETE and POST actions. Checks, in ARM's order,
 * that the type exists, then the resource group, then the resource.
 * @param services - simulator services
 * @param req - the authenticated request
 * @param route - the parsed path
 * @throws ArmHttpError for every error response
 */
export function handleResourceRoute(
  services: SimServices,
  req: SimRequest,
  route: ResourceRoute,
): SimResponse {
  checkScope(services, route);
  const method = req.method;
  if (method === 'PUT' && !route.action) return putResource(services, req, route);
  const resource = services.store.get(route.resourceId);
  if (!resource) {
    if (method === 'DELETE' && !route.action) return { status: 204, eventType: null };
    const info = route.typeInfo as NonNullable<ResourceRoute['typeInfo']>;
    throw armErrors.resourceNotFound(`${info.namespace}/${info.type}`, route.name, route.resourceGroup);
  }
  if (route.action) return serveAction(services, req, resource, route.action);
  switch (method) {
    case 'GET':
      return { status: 200, body: resourceView(resource), resourceId: resource.id };
    case 'PATCH':
      return putResource(services, req, route);
    case 'DELETE':
      services.store.delete(resource.id);
      return { status: 200, body: {}, resourceId: resource.id };
    default:
      throw armErrors.noRoute(method, req.url.pathname);
  }
}
