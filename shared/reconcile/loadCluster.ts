import type { KeyBinding } from '../bindings/KeyBinding.ts';
import { parseKeyBinding } from '../bindings/parseKeyBinding.ts';
import type { ClusterConnector } from '../clusters/ClusterConnector.ts';
import type { ClusterRegistration } from '../clusters/ClusterRegistration.ts';
import { ErrorCode, isKeySyncError, KeySyncError } from '../errors.ts';
import type { InvalidBinding, LoadedCluster } from './LoadedCluster.ts';

/** Which bindings of a cluster to load. */
export interface BindingFilter {
  readonly namespace?: string | undefined;
  /** Compared case-insensitively. */
  readonly resourceId?: string | undefined;
  /** Only these bindings (namespace/name), e.g. from the binding index. */
  readonly names?: ReadonlySet<string> | undefined;
}

/**
 * Connects to a cluster and reads its KeyBindings (the cluster is the truth; the index is only a cache),
 * validating each: invalid ones are returned separately with their error, so one bad binding breaks nothing.
 * @param registration - the cluster
 * @param connect - the connector
 * @param filter - namespace / resource / names to keep
 * @throws KeySyncError when the cluster cannot be reached or read
 */
export async function loadCluster(
  registration: ClusterRegistration,
  connect: ClusterConnector,
  filter: BindingFilter = {},
): Promise<LoadedCluster> {
  const client = await connect(registration);
  const raw = (await Promise.all(namespacesToList(filter).map((ns) => client.listKeyBindings(ns)))).flat();
  const bindings: KeyBinding[] = [];
  const invalid: InvalidBinding[] = [];
  for (const item of raw) {
    const meta = (item as { metadata?: { namespace?: string; name?: string } }).metadata ?? {};
    const rawId = (item as { spec?: { resourceId?: unknown } }).spec?.resourceId;
    const resourceId = typeof rawId === 'string' ? rawId : '';
    if (filter.resourceId && resourceId.trim().toLowerCase() !== filter.resourceId.trim().toLowerCase())
      continue;
    if (filter.names && !filter.names.has(`${meta.namespace}/${meta.name}`)) continue;
    try {
      bindings.push(parseKeyBinding(item, registration.name));
    } catch (err) {
      const error = isKeySyncError(err)
        ? err
        : new KeySyncError(
            ErrorCode.InvalidBinding,
            `KeyBinding ${meta.namespace}/${meta.name} could not be read`,
          );
      invalid.push({ namespace: meta.namespace ?? '', name: meta.name ?? '', resourceId, error });
    }
  }
  return { registration, client, bindings, invalid };
}

/** Up to this many namespaces named by `filter.names` are listed one by one instead of the whole cluster. */
export const maxNamespacesListedOneByOne = 8;

/**
 * The namespaces to list: the filter's namespace; else the few namespaces of the wanted names (an event's
 * bindings usually live in a handful of namespaces, and listing a whole cluster of thousands of KeyBindings
 * costs seconds); else the whole cluster (`undefined`).
 */
function namespacesToList(filter: BindingFilter): Array<string | undefined> {
  if (filter.namespace) return [filter.namespace];
  if (!filter.names) return [undefined];
  const namespaces = new Set([...filter.names].map((n) => n.slice(0, n.indexOf('/'))));
  if (namespaces.size === 0) return [];
  return namespaces.size <= maxNamespacesListedOneByOne ? [...namespaces] : [undefined];
}
