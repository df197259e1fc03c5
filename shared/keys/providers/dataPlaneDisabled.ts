import type { ArmResourceId } from '../../arm/parseResourceId.ts';
import { ErrorCode, KeySyncError } from '../../errors.ts';

/**
 * The error for a resource whose key authentication is switched off: its keys would be useless, so none are
 * fetched.
 * @param resource - the resource
 * @param flag - the property and value that disable keys, e.g. `allowSharedKeyAccess=false`
 */
export function dataPlaneDisabled(resource: ArmResourceId, flag: string): KeySyncError {
  return new KeySyncError(
    ErrorCode.DataPlaneDisabled,
    `${resource.id} has key authentication disabled (${flag}): its keys are refused by the service, so none ` +
      'were fetched; bind endpoints only and use Entra ID, or enable key authentication on the resource',
    { details: { resourceId: resource.id, flag } },
  );
}
