import type { ArmResourceId } from '../arm/parseResourceId.ts';
import { parseResourceId } from '../arm/parseResourceId.ts';
import type { KeyBinding } from '../bindings/KeyBinding.ts';
import { bindingLabel } from '../bindings/KeyBinding.ts';
import type { AllowRule } from '../clusters/ClusterRegistration.ts';
import { isBindingAllowed } from '../clusters/isBindingAllowed.ts';
import { ErrorCode, isKeySyncError, KeySyncError } from '../errors.ts';
import type { KeyProvider, KeyProviderLookup } from '../keys/KeyProvider.ts';
import { unknownValuesError } from '../keys/unknownValuesError.ts';

/** A binding cleared to fetch: its parsed resource, provider and the value names it maps. */
export interface ClearedBinding {
  readonly binding: KeyBinding;
  readonly resource: ArmResourceId;
  readonly provider: KeyProvider;
  readonly wanted: readonly string[];
}

/**
 * Everything that can be decided about a binding before any ARM call: the resource ID is an ARM ID, its type
 * has a provider, every value name is in that provider's catalogue, and the cluster's allow-list lets this
 * namespace bind this resource (default deny: `NotAuthorized`, and no ARM call is made).
 * @param binding - a validated binding
 * @param allow - its cluster's allow-list
 * @param providers - the provider registry
 * @returns the cleared binding, or the error that stops it
 */
export function preflightBinding(
  binding: KeyBinding,
  allow: readonly AllowRule[],
  providers: KeyProviderLookup,
): ClearedBinding | KeySyncError {
  try {
    const resource = parseResourceId(binding.resourceId);
    if (!isBindingAllowed(allow, binding.namespace, binding.resourceId)) {
      return new KeySyncError(
        ErrorCode.NotAuthorized,
        `KeyBinding ${bindingLabel(binding)} may not bind ${binding.resourceId}: cluster ${binding.cluster} ` +
          `allows no such (namespace, resource) pair; ask the platform team to add an allow rule`,
        { details: { binding: bindingLabel(binding), resourceId: binding.resourceId } },
      );
    }
    const provider = providers.get(resource.resourceType);
    const wanted = Object.keys(binding.secrets).sort();
    const unknown = unknownValuesError(resource.resourceType, provider.valueNames, wanted, {
      subject: `KeyBinding ${bindingLabel(binding)}`,
      fieldPrefix: 'spec.secrets.',
      details: { binding: bindingLabel(binding) },
    });
    if (unknown) return unknown;
    return { binding, resource, provider, wanted };
  } catch (err) {
    if (isKeySyncError(err)) return withBinding(err, binding);
    throw err;
  }
}

/** Prefixes an error raised about the resource with the binding it concerns. */
function withBinding(err: KeySyncError, binding: KeyBinding): KeySyncError {
  return new KeySyncError(err.code, `KeyBinding ${bindingLabel(binding)}: ${err.message}`, {
    retryable: err.retryable,
    cause: err,
    details: { ...err.details, binding: bindingLabel(binding) },
  });
}
