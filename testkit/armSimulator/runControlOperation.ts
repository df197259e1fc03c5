import { randomUUID } from 'node:crypto';
import { eventTypeForMethod } from './ArmEvent.ts';
import { ArmHttpError } from './ArmHttpError.ts';
import { handleResourceRoute } from './handleResourceRoute.ts';
import { parseArmRoute, type ResourceRoute } from './parseArmRoute.ts';
import { typeInfoOfKind } from './resourceTypes.ts';
import type { SimPrincipal } from './SimPrincipal.ts';
import type { SimRequest, SimResponse, SimServices } from './SimRequest.ts';
import type { SimResource } from './simResources.ts';

/** A control-API operation, expressed as the ARM request it stands for. */
export interface ControlOperation {
  readonly method: string;
  readonly resource: SimResource;
  /** POST action, e.g. `regenerateKey`. */
  readonly action?: string;
  readonly body?: unknown;
}

/**
 * Performs a control-API operation exactly as the REST call would (same handler, same validation, same
 * event), on behalf of the simulator's operator, without HTTP, throttling or faults.
 * @param services - simulator services
 * @param operator - principal named in the event
 * @param op - the operation
 * @returns the handler's response
 * @throws Error carrying ARM's error code and message when ARM would have refused the request
 */
export function runControlOperation(
  services: SimServices,
  operator: SimPrincipal,
  op: ControlOperation,
): SimResponse {
  const info = typeInfoOfKind(op.resource.kind);
  const path = `${op.resource.id}${op.action ? '/' + op.action : ''}`;
  const url = new URL(`${path}?api-version=${info.apiVersion}`, services.baseUrl);
  const route = parseArmRoute(op.method, url.pathname) as ResourceRoute;
  const req: SimRequest = {
    method: op.method,
    url,
    body: op.body,
    principal: operator,
    correlationId: randomUUID(),
    clientRequestId: randomUUID(),
    clientIpAddress: '127.0.0.1',
  };
  let res: SimResponse;
  try {
    res = handleResourceRoute(services, req, route);
  } catch (err) {
    throw err instanceof ArmHttpError ? new Error(`${err.code}: ${err.message}`) : err;
  }
  const eventType = res.eventType === undefined ? eventTypeForMethod(op.method) : res.eventType;
  if (eventType && route.operation) services.publishFor(req, eventType, op.resource.id, route.operation);
  return res;
}
