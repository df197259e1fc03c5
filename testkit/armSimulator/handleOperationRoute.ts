import { ArmHttpError, armErrors } from './ArmHttpError.ts';
import { LongRunningOperations } from './LongRunningOperations.ts';
import type { OperationRoute } from './parseArmRoute.ts';
import type { SimRequest, SimResponse, SimServices } from './SimRequest.ts';

/**
 * Serves polls of a long-running operation: `operationsStatus` (the `Azure-AsyncOperation` URL) answers
 * `{ status: 'InProgress' | 'Succeeded' }`; `operationResults` (the `Location` URL) answers 202 while running
 * and 200 when done.
 * @param services - simulator services
 * @param req - the authenticated request
 * @param route - the parsed path
 */
export function handleOperationRoute(
  services: SimServices,
  req: SimRequest,
  route: OperationRoute,
): SimResponse {
  if (req.method !== 'GET') throw armErrors.noRoute(req.method, req.url.pathname);
  const op = services.operations.get(route.operationId);
  if (!op || op.subscriptionId.toLowerCase() !== route.subscriptionId.toLowerCase()) {
    throw new ArmHttpError(404, 'NotFound', `The operation '${route.operationId}' was not found.`);
  }
  const common = { resourceId: op.resourceId, eventType: null };
  if (route.which === 'status') {
    return { ...common, status: 200, body: LongRunningOperations.statusBody(op, req.url.pathname) };
  }
  if (op.status === 'InProgress') {
    return { ...common, status: 202, body: {}, headers: { Location: req.url.toString() } };
  }
  return { ...common, status: 200, body: {} };
}
