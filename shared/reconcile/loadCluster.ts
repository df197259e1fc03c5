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
  const raw = await client.listKeyBindings(filter.namespace);
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
