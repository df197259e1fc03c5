import { armErrors } from './ArmHttpError.ts';
import type { SimRequest, SimResponse, SimServices } from './SimRequest.ts';
import type { SimStorageAccount } from './simResources.ts';
import { requireBodyString } from './requireBodyString.ts';

/** `{ keys: [...] }` as Storage's listKeys and regenerateKey return it. */
function keysBody(account: SimStorageAccount) {
  return {
    keys: (['key1', 'key2'] as const).map((keyName) => ({
      keyName,
      value: account.keys[keyName].value,
      permissions: 'FULL',
      creationTime: account.keys[keyName].creationTime,
    })),
  };
}

/**
 * POST actions of `Microsoft.Storage/storageAccounts`: `listKeys`, `regenerateKey` (synchronous 200 with the
 * new keys).
 * @param services - simulator services
 * @param req - the request
 * @param account - the target
 * @param action - lower-cased action
 */
export function storageAction(
  services: SimServices,
  req: SimRequest,
  account: SimStorageAccount,
  action: string,
): SimResponse {
  switch (action) {
    case 'listkeys':
      return { status: 200, body: keysBody(account) };
    case 'regeneratekey': {
      services.store.regenerate(account, requireBodyString(req.body, 'keyName'));
      return { status: 200, body: keysBody(account) };
    }
    default:
      throw armErrors.noRoute(req.method, req.url.pathname);
  }
}
