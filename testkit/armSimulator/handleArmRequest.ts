import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccessPolicy } from './AccessPolicy.ts';
import { eventTypeForMethod } from './ArmEvent.ts';
import { ArmHttpError, armErrors } from './ArmHttpError.ts';
import type { ArmThrottle } from './ArmThrottle.ts';
import type { CallLog } from './CallLog.ts';
import type { CancellableTimers } from './CancellableTimers.ts';
import type { FaultInjector } from './FaultInjector.ts';
import { handleOperationRoute } from './handleOperationRoute.ts';
import { handleResourceRoute } from './handleResourceRoute.ts';
import { parseArmRoute, type ArmRoute } from './parseArmRoute.ts';
import type { SimPrincipal } from './SimPrincipal.ts';
import type { SimRequest, SimResponse, SimServices } from './SimRequest.ts';

/** What the request pipeline uses. */
export interface ArmRequestPipeline {
  readonly services: SimServices;
  readonly access: AccessPolicy;
  /** Current throttle (undefined when throttling is off). */
  readonly throttle: () => ArmThrottle | undefined;
  readonly faults: FaultInjector;
  readonly callLog: CallLog;
  readonly timers: CancellableTimers;
  /** Base latency added to every request. */
  readonly latencyInMs: () => number;
}

/** Mutable facts about one exchange, filled in as the pipeline proceeds. */
interface Exchange {
  readonly method: string;
  readonly url: URL;
  readonly route: ArmRoute | undefined;
  readonly requestId: string;
  readonly correlationId: string;
  readonly clientRequestId: string;
  principal: SimPrincipal | undefined;
  simRequest: SimRequest | undefined;
  headers: Record<string, string>;
}

type Outcome = SimResponse | 'reset' | 'cancelled';

const maxBodyBytes = 1024 * 1024;

/**
 * Serves one HTTP request the way ARM does, in ARM's order: authentication (401), api-version (400),
 * base latency, throttling (429), injected faults, authorization (403), then the resource provider
 * (404 / 409 / 200 / 202). Records the call, and publishes the event of a successful write or action.
 * @param p - pipeline dependencies
 * @param req - incoming request
 * @param res - response to write
 */
export async function handleArmRequest(
  p: ArmRequestPipeline,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  res.on('error', () => undefined);
  const method = (req.method ?? 'GET').toUpperCase();
  const url = new URL(req.url ?? '/', p.services.baseUrl);
  const x: Exchange = {
    method,
    url,
    route: parseArmRoute(method, url.pathname),
    requestId: randomUUID(),
    correlationId: headerOf(req, 'x-ms-correlation-request-id') ?? randomUUID(),
    clientRequestId: headerOf(req, 'x-ms-client-request-id') ?? randomUUID(),
    principal: undefined,
    simRequest: undefined,
    headers: {},
  };
  let outcome: Outcome;
  try {
    outcome = await serve(p, x, req);
  } catch (err) {
    outcome = toErrorResponse(err);
  }
  if (outcome === 'cancelled') {
    res.destroy();
    return;
  }
  if (outcome === 'reset') {
    req.socket.destroy();
    record(p, x, 0, undefined);
    return;
  }
  send(res, x, outcome);
  record(p, x, outcome.status, outcome.resourceId);
  publishOutcome(p.services, x, outcome);
}

async function serve(p: ArmRequestPipeline, x: Exchange, req: IncomingMessage): Promise<Outcome> {
  const bodyText = await readBody(req);
  const { principal, route } = admit(p, x, req);
  if (!(await p.timers.sleep(p.latencyInMs()))) return 'cancelled';
  Object.assign(x.headers, p.throttle()?.take(principal.name, route.subscriptionId, x.method));
  const faulted = await applyFault(p, x, route, principal);
  if (faulted) return faulted;
  if (route.kind === 'resource' && route.operation && p.access.isDenied(principal.name, route.operation)) {
    throw armErrors.authorizationFailed(
      principal.name,
      principal.objectId,
      route.operation,
      route.resourceId,
    );
  }
  const simRequest: SimRequest = {
    method: x.method,
    url: x.url,
    body: parseJson(bodyText),
    principal,
    correlationId: x.correlationId,
    clientRequestId: x.clientRequestId,
    clientIpAddress: req.socket.remoteAddress ?? '127.0.0.1',
  };
  x.simRequest = simRequest;
  return route.kind === 'resource'
    ? handleResourceRoute(p.services, simRequest, route)
    : handleOperationRoute(p.services, simRequest, route);
}

/** Authentication (401), api-version (400), known path (404). */
function admit(
  p: ArmRequestPipeline,
  x: Exchange,
  req: IncomingMessage,
): { principal: SimPrincipal; route: ArmRoute } {
  const principal = authenticate(p.access, req.headers.authorization);
  x.principal = principal;
  if (!x.url.searchParams.get('api-version')) throw armErrors.missingApiVersion();
  if (!x.route) throw armErrors.noRoute(x.method, x.url.pathname);
  return { principal, route: x.route };
}

/** Applies the first matching fault rule: delay, then reset / raw answer / error, or nothing. */
async function applyFault(
  p: ArmRequestPipeline,
  x: Exchange,
  route: ArmRoute,
  principal: SimPrincipal,
): Promise<Outcome | undefined> {
  const fault = p.faults.evaluate({
    method: x.method,
    path: x.url.pathname,
    operation: route.operation,
    resourceId: route.kind === 'resource' ? route.resourceId : undefined,
    principal: principal.name,
  });
  if (fault.delayInMs > 0 && !(await p.timers.sleep(fault.delayInMs))) return 'cancelled';
  if (fault.resetConnection) return 'reset';
  if (fault.raw) return { status: fault.raw.status, rawBody: fault.raw.body, eventType: null };
  if (fault.error) throw fault.error;
  return undefined;
}

function authenticate(access: AccessPolicy, authorization: string | undefined): SimPrincipal {
  if (!authorization) throw armErrors.authenticationMissing();
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!m?.[1]) throw armErrors.authenticationInvalid();
  return access.principalFor(m[1]);
}

function toErrorResponse(err: unknown): SimResponse {
  const e =
    err instanceof ArmHttpError
      ? err
      : new ArmHttpError(500, 'InternalServerError', `The ARM simulator failed: ${(err as Error).message}`);
  return { status: e.status, body: e.toBody(), headers: e.headers };
}

function send(res: ServerResponse, x: Exchange, r: SimResponse): void {
  res.statusCode = r.status;
  const headers: Record<string, string> = {
    'x-ms-request-id': x.requestId,
    'x-ms-correlation-request-id': x.correlationId,
    'x-ms-client-request-id': x.clientRequestId,
    ...x.headers,
    ...r.headers,
  };
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  if ((r.body === undefined && r.rawBody === undefined) || r.status === 204) {
    res.end();
    return;
  }
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(r.rawBody ?? JSON.stringify(r.body));
}

function record(p: ArmRequestPipeline, x: Exchange, status: number, resourceId: string | undefined): void {
  p.callLog.record({
    time: Date.now(),
    principal: x.principal?.name ?? '',
    method: x.method,
    path: x.url.pathname,
    operation: x.route?.operation,
    resourceId: resourceId ?? (x.route?.kind === 'resource' ? x.route.resourceId : undefined),
    status,
    requestId: x.requestId,
  });
}

function publishOutcome(services: SimServices, x: Exchange, r: SimResponse): void {
  const route = x.route;
  if (r.status < 200 || r.status > 299 || !x.simRequest || route?.kind !== 'resource' || !route.operation)
    return;
  const eventType = r.eventType === undefined ? eventTypeForMethod(x.method) : r.eventType;
  if (eventType)
    services.publishFor(x.simRequest, eventType, r.resourceId ?? route.resourceId, route.operation);
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes)
      throw new ArmHttpError(413, 'RequestEntityTooLarge', 'The request body is too large.');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw armErrors.badRequest('The request content was invalid and could not be deserialized.');
  }
}
