/** The kinds of resource the simulator holds. */
export type SimResourceKind = 'storage' | 'cosmos' | 'redis' | 'managedCluster';

/** What the simulator knows about one ARM resource type. */
export interface ResourceTypeInfo {
  readonly kind: SimResourceKind;
  /** Provider namespace in canonical casing, e.g. `Microsoft.Storage`. */
  readonly namespace: string;
  /** Type in canonical casing as used in operation names, e.g. `storageAccounts`. */
  readonly type: string;
  /** The `type` field ARM returns on GET (ARM spells some differently, e.g. `Microsoft.Cache/Redis`). */
  readonly armType: string;
  /** POST actions: lower-cased name -> canonical casing used in operation names. */
  readonly actions: Readonly<Record<string, string>>;
  /** api-version the simulator puts in URLs it makes up (events of control-API operations). */
  readonly apiVersion: string;
}

const byTypeKey: Record<string, ResourceTypeInfo> = {
  'microsoft.storage/storageaccounts': {
    kind: 'storage',
    namespace: 'Microsoft.Storage',
    type: 'storageAccounts',
    armType: 'Microsoft.Storage/storageAccounts',
    actions: { listkeys: 'listKeys', regeneratekey: 'regenerateKey' },
    apiVersion: '2025-06-01',
  },
  'microsoft.documentdb/databaseaccounts': {
    kind: 'cosmos',
    namespace: 'Microsoft.DocumentDB',
    type: 'databaseAccounts',
    armType: 'Microsoft.DocumentDB/databaseAccounts',
    actions: {
      listkeys: 'listKeys',
      readonlykeys: 'readonlykeys',
      listconnectionstrings: 'listConnectionStrings',
      regeneratekey: 'regenerateKey',
    },
    apiVersion: '2025-10-15',
  },
  'microsoft.cache/redis': {
    kind: 'redis',
    namespace: 'Microsoft.Cache',
    type: 'redis',
    armType: 'Microsoft.Cache/Redis',
    actions: { listkeys: 'listKeys', regeneratekey: 'regenerateKey' },
    apiVersion: '2024-11-01',
  },
  'microsoft.containerservice/managedclusters': {
    kind: 'managedCluster',
    namespace: 'Microsoft.ContainerService',
    type: 'managedClusters',
    armType: 'Microsoft.ContainerService/ManagedClusters',
    actions: {
      listclusterusercredential: 'listClusterUserCredential',
      listclusteradmincredential: 'listClusterAdminCredential',
    },
    apiVersion: '2025-10-01',
  },
};

/**
 * Looks up a resource type.
 * @param namespace - provider namespace, any casing
 * @param type - resource type, any casing
 * @returns the type, or undefined when the simulator does not serve it
 */
export function resourceTypeInfo(namespace: string, type: string): ResourceTypeInfo | undefined {
  return byTypeKey[`${namespace}/${type}`.toLowerCase()];
}

/** Whether the simulator serves any type in this provider namespace. */
export function isKnownNamespace(namespace: string): boolean {
  const ns = namespace.toLowerCase() + '/';
  return Object.keys(byTypeKey).some((k) => k.startsWith(ns));
}

/** The type info of a resource kind. */
export function typeInfoOfKind(kind: SimResourceKind): ResourceTypeInfo {
  const info = Object.values(byTypeKey).find((t) => t.kind === kind);
  if (!info) throw new Error(`unknown resource kind ${kind}`);
  return info;
}

/**
 * The canonical operation name of a request, as RBAC and the activity log spell it.
 * @param info - the resource type
 * @param method - HTTP method
 * @param action - POST action (or GET sub-resource such as `readonlykeys`), if any
 * @returns e.g. `Microsoft.Storage/storageAccounts/listKeys/action`, `.../read`, `.../write`, `.../delete`
 */
export function operationName(info: ResourceTypeInfo, method: string, action?: string): string {
  const base = `${info.namespace}/${info.type}`;
  if (action) return `${base}/${info.actions[action.toLowerCase()] ?? action}/action`;
  switch (method.toUpperCase()) {
    case 'GET':
      return `${base}/read`;
    case 'DELETE':
      return `${base}/delete`;
    default:
      return `${base}/write`;
  }
}
