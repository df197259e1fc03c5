import { armErrors } from './ArmHttpError.ts';
import { requireBodyString } from './requireBodyString.ts';
import type { SimRequest, SimResponse, SimServices } from './SimRequest.ts';
import type { SimCosmosAccount } from './simResources.ts';

const regenerateOperation = 'Microsoft.DocumentDB/databaseAccounts/regenerateKey/action';

function connectionStrings(account: SimCosmosAccount) {
  const entry = (key: string, description: string, keyKind: string) => ({
    connectionString: `AccountEndpoint=${account.documentEndpoint};AccountKey=${key};`,
    description,
    keyKind,
    type: 'Sql',
  });
  const k = account.keys;
  return {
    connectionStrings: [
      entry(k.primaryMasterKey, 'Primary SQL Connection String', 'Primary'),
      entry(k.secondaryMasterKey, 'Secondary SQL Connection String', 'Secondary'),
      entry(k.primaryReadonlyMasterKey, 'Primary Read-Only SQL Connection String', 'PrimaryReadonly'),
      entry(k.secondaryReadonlyMasterKey, 'Secondary Read-Only SQL Connection String', 'SecondaryReadonly'),
    ],
  };
}

/**
 * Actions of `Microsoft.DocumentDB/databaseAccounts`: `listKeys`, `readonlykeys` (POST and GET),
 * `listConnectionStrings`, and `regenerateKey` as a long-running operation: 202 with `Azure-AsyncOperation`
 * and `Location`; the key changes when the operation completes.
 * @param services - simulator services
 * @param req - the request
 * @param account - the target
 * @param action - lower-cased action
 */
export function cosmosAction(
  services: SimServices,
  req: SimRequest,
  account: SimCosmosAccount,
  action: string,
): SimResponse {
  const k = account.keys;
  if (action === 'readonlykeys') {
    return {
      status: 200,
      body: {
        primaryReadonlyMasterKey: k.primaryReadonlyMasterKey,
        secondaryReadonlyMasterKey: k.secondaryReadonlyMasterKey,
      },
      // ARM raises no event for GETs, even of an action-like path.
      ...(req.method === 'GET' ? { eventType: null } : {}),
    };
  }
  if (req.method !== 'POST') throw armErrors.noRoute(req.method, req.url.pathname);
  switch (action) {
    case 'listkeys':
      return { status: 200, body: { ...k } };
    case 'listconnectionstrings':
      return { status: 200, body: connectionStrings(account) };
    case 'regeneratekey':
      return startRegeneration(services, req, account);
    default:
      throw armErrors.noRoute(req.method, req.url.pathname);
  }
}

function startRegeneration(services: SimServices, req: SimRequest, account: SimCosmosAccount): SimResponse {
  const apply = services.store.prepareRegeneration(account, requireBodyString(req.body, 'keyKind'));
  const atCompletion = services.cosmosRegenerateEventAt === 'completed';
  const release = atCompletion ? services.bus.hold() : undefined;
  const op = services.operations.start(
    { subscriptionId: account.subscriptionId, location: account.location, resourceId: account.id },
    services.lroDurationInMs(),
    () => {
      apply();
      if (atCompletion)
        services.publishFor(
          req,
          'Microsoft.Resources.ResourceActionSuccess',
          account.id,
          regenerateOperation,
        );
      release?.();
    },
  );
  const apiVersion = req.url.searchParams.get('api-version') ?? '';
  const base = `${services.baseUrl}/subscriptions/${account.subscriptionId}/providers/Microsoft.DocumentDB/locations/${account.location}`;
  const query = `?api-version=${encodeURIComponent(apiVersion)}`;
  return {
    status: 202,
    body: {},
    headers: {
      'Azure-AsyncOperation': `${base}/operationsStatus/${op.id}${query}`,
      Location: `${base}/operationResults/${op.id}${query}`,
    },
    ...(atCompletion ? { eventType: null } : {}),
  };
}
