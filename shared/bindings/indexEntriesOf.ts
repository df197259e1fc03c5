import { parseResourceId } from '../arm/parseResourceId.ts';
import type { IndexEntry } from './BindingIndex.ts';
import type { KeyBinding } from './KeyBinding.ts';

/**
 * Index entries for bindings (those whose resource ID is not an ARM ID are left out: no event can name them).
 * @param bindings - validated bindings
 */
export function indexEntriesOf(bindings: readonly KeyBinding[]): IndexEntry[] {
  return bindings.flatMap((b) => {
    try {
      return [
        {
          cluster: b.cluster,
          namespace: b.namespace,
          name: b.name,
          resourceKey: parseResourceId(b.resourceId).key,
        },
      ];
    } catch {
      return [];
    }
  });
}
