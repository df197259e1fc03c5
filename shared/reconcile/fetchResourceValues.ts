import pLimit from 'p-limit';

import type { ArmResourceId } from '../arm/parseResourceId.ts';
import { ErrorCode, isKeySyncError, KeySyncError } from '../errors.ts';
import type { KeyProvider, KeyValues } from '../keys/KeyProvider.ts';
import type { Logger } from '../logging.ts';
import { errorFields } from '../logging.ts';
import type { ClearedBinding } from './preflightBinding.ts';

/** The values of one resource, or why they could not be fetched. */
export type ResourceValues = { readonly values: KeyValues } | { readonly error: KeySyncError };

/** Options for {@link fetchResourceValues}. */
export interface FetchOptions {
  readonly concurrency: number;
  readonly logger: Logger;
}

/**
 * Fetches each resource's values exactly once, however many bindings in however many clusters ask for it,
 * with the union of the value names they want. Failures are returned per resource, never thrown.
 * @param cleared - bindings that passed preflight
 * @param options - concurrency and logging
 * @returns lower-cased resource ID -> values or error
 */
export async function fetchResourceValues(
  cleared: readonly ClearedBinding[],
  options: FetchOptions,
): Promise<Map<string, ResourceValues>> {
  const groups = new Map<string, { resource: ArmResourceId; provider: KeyProvider; wanted: Set<string> }>();
  for (const c of cleared) {
    const g = groups.get(c.resource.key) ?? {
      resource: c.resource,
      provider: c.provider,
      wanted: new Set<string>(),
    };
    for (const w of c.wanted) g.wanted.add(w);
    groups.set(c.resource.key, g);
  }
  const limit = pLimit(Math.max(1, options.concurrency));
  const results = new Map<string, ResourceValues>();
  await Promise.all(
    [...groups.values()].map((g) =>
      limit(async () => {
        try {
          const values = await g.provider.fetchValues(g.resource, g.wanted);
          results.set(g.resource.key, { values });
        } catch (err) {
          const error = isKeySyncError(err)
            ? err
            : new KeySyncError(
                ErrorCode.Internal,
                `fetching values of ${g.resource.id} failed unexpectedly`,
                {
                  retryable: true,
                  cause: err,
                },
              );
          options.logger.warn(
            { resourceId: g.resource.id, wanted: g.wanted.size, ...errorFields(error) },
            'could not fetch resource values',
          );
          results.set(g.resource.key, { error });
        }
      }),
    ),
  );
  return results;
}
