import { ArmHttpError } from './ArmHttpError.ts';
import { newCosmosAccount, newRedisCache, newStorageAccount } from './newSimResource.ts';
import type { ResourceRoute } from './parseArmRoute.ts';
import { resourceView } from './resourceView.ts';
import type { SimRequest, SimResponse, SimServices } from './SimRequest.ts';
import type { SimResource } from './simResources.ts';

type Props = Record<string, unknown>;

function flag(props: Props, name: string): boolean | undefined {
  const v = props[name];
  return typeof v === 'boolean' ? v : undefined;
}

function create(services: SimServices, route: ResourceRoute, body: Props, props: Props): SimResource {
  const placement = {
    subscriptionId: route.subscriptionId,
    resourceGroup: route.resourceGroup,
    name: route.name,
    location: typeof body.location === 'string' ? body.location : undefined,
  };
  const { store } = services;
  switch (route.typeInfo?.kind) {
    case 'storage':
      return newStorageAccount(store, {
        ...placement,
        allowSharedKeyAccess: flag(props, 'allowSharedKeyAccess'),
      });
    case 'cosmos':
      return newCosmosAccount(store, { ...placement, disableLocalAuth: flag(props, 'disableLocalAuth') });
    case 'redis':
      return newRedisCache(store, {
        ...placement,
        disableAccessKeyAuthentication: flag(props, 'disableAccessKeyAuthentication'),
        enableNonSslPort: flag(props, 'enableNonSslPort'),
      });
    default:
      throw new ArmHttpError(
        400,
        'BadRequest',
        'The ARM simulator cannot create or update this resource type.',
      );
  }
}

function update(resource: SimResource, props: Props): void {
  switch (resource.kind) {
    case 'storage':
      resource.allowSharedKeyAccess = flag(props, 'allowSharedKeyAccess') ?? resource.allowSharedKeyAccess;
      return;
    case 'cosmos':
      resource.disableLocalAuth = flag(props, 'disableLocalAuth') ?? resource.disableLocalAuth;
      return;
    case 'redis':
      resource.disableAccessKeyAuthentication =
        flag(props, 'disableAccessKeyAuthentication') ?? resource.disableAccessKeyAuthentication;
      resource.enableNonSslPort = flag(props, 'enableNonSslPort') ?? resource.enableNonSslPort;
      return;
    default:
      throw new ArmHttpError(
        400,
        'BadRequest',
        'The ARM simulator cannot create or update this resource type.',
      );
  }
}

/**
 * `PUT` (and `PATCH` of an existing resource) of a Storage, Cosmos DB or Redis resource: creates it (201) or
 * updates the flags that control key authentication (200). Synchronous, unlike the real providers, which may
 * answer 202.
 * @param services - simulator services
 * @param req - the request
 * @param route - the parsed path
 */
export function putResource(services: SimServices, req: SimRequest, route: ResourceRoute): SimResponse {
  const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Props;
  const props = (
    typeof body.properties === 'object' && body.properties !== null ? body.properties : {}
  ) as Props;
  const existing = services.store.get(route.resourceId);
  if (existing) {
    update(existing, props);
    return { status: 200, body: resourceView(existing), resourceId: existing.id };
  }
  const created = create(services, route, body, props);
  services.store.add(created);
  return { status: 201, body: resourceView(created), resourceId: created.id };
}
