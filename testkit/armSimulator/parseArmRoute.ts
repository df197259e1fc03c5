import { operationName, resourceTypeInfo, type ResourceTypeInfo } from './resourceTypes.ts';

/** A request on a top-level resource or one of its actions. */
export interface ResourceRoute {
  readonly kind: 'resource';
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly namespace: string;
  readonly type: string;
  readonly name: string;
  /** Action or sub-resource segment after the name, as written (e.g. `listKeys`). */
  readonly action: string | undefined;
  /** Resource ID as the request spelled it. */
  readonly resourceId: string;
  /** Undefined when the simulator does not serve this type. */
  readonly typeInfo: ResourceTypeInfo | undefined;
  /** Canonical operation name, or undefined for unknown types. */
  readonly operation: string | undefined;
}

/** A poll of a Cosmos DB long-running operation (`operationsStatus` or `operationResults`). */
export interface OperationRoute {
  readonly kind: 'operation';
  readonly subscriptionId: string;
  readonly location: string;
  readonly which: 'status' | 'result';
  readonly operationId: string;
  readonly operation: string;
}

/** A parsed simulator request path. */
export type ArmRoute = ResourceRoute | OperationRoute;

const resourcePattern =
  /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/([^/]+)\/([^/]+)\/([^/]+)(?:\/([^/]+))?\/?$/i;
const operationPattern =
  /^\/subscriptions\/([^/]+)\/providers\/microsoft\.documentdb\/locations\/([^/]+)\/(operationsstatus|operationresults)\/([^/]+)\/?$/i;

/**
 * Parses a request path (no query string).
 * @param method - HTTP method, used to name the operation
 * @param pathname - URL path, already percent-decoded per segment or not (names are plain here)
 * @returns the route, or undefined when the path is not one the simulator serves
 */
export function parseArmRoute(method: string, pathname: string): ArmRoute | undefined {
  const r = resourcePattern.exec(pathname);
  if (r) {
    const [, subscriptionId, resourceGroup, namespace, type, name, action] = r as unknown as [
      string,
      string,
      string,
      string,
      string,
      string,
      string | undefined,
    ];
    const typeInfo = resourceTypeInfo(namespace, type);
    return {
      kind: 'resource',
      subscriptionId,
      resourceGroup,
      namespace,
      type,
      name,
      action,
      resourceId: `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/${namespace}/${type}/${name}`,
      typeInfo,
      operation: typeInfo ? operationName(typeInfo, method, action) : undefined,
    };
  }
  const o = operationPattern.exec(pathname);
  if (o) {
    const [, subscriptionId, location, segment, operationId] = o as unknown as [
      string,
      string,
      string,
      string,
      string,
    ];
    const which = segment.toLowerCase() === 'operationsstatus' ? 'status' : 'result';
    return {
      kind: 'operation',
      subscriptionId,
      location,
      which,
      operationId,
      operation:
        which === 'status'
          ? 'Microsoft.DocumentDB/locations/operationsStatus/read'
          : 'Microsoft.DocumentDB/locations/operationResults/read',
    };
  }
  return undefined;
}
