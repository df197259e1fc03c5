import { armErrors } from './ArmHttpError.ts';
import { requireBodyString } from './requireBodyString.ts';
import type { SimRequest, SimResponse, SimServices } from './SimRequest.ts';
import type { SimRedisCache } from './simResources.ts';

/**
 * POST actions of `Microsoft.Cache/redis`: `listKeys` -> `{ primaryKey, secondaryKey }`, `regenerateKey`
 * (`{ keyType: 'Primary' | 'Secondary' }`, synchronous 200 with both keys).
 * @param services - simulator services
 * @param req - the request
 * @param cache - the target
 * @param action - lower-cased action
 */
export function redisAction(
  services: SimServices,
  req: SimRequest,
  cache: SimRedisCache,
  action: string,
): SimResponse {
  switch (action) {
    case 'listkeys':
      return { status: 200, body: { ...cache.keys } };
    case 'regeneratekey':
      services.store.regenerate(cache, requireBodyString(req.body, 'keyType'));
      return { status: 200, body: { ...cache.keys } };
    default:
      throw armErrors.noRoute(req.method, req.url.pathname);
  }
}
