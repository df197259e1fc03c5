import { isUnderPrefix } from '../arm/parseResourceId.ts';
import type { AllowRule } from './ClusterRegistration.ts';

/**
 * The confused-deputy guard: may a binding in `namespace` bind `resourceId` in a cluster with these rules?
 * Default deny: no matching rule, no access.
 * @param rules - the cluster's allow-list
 * @param namespace - the binding's namespace
 * @param resourceId - the ARM ID the binding asks for
 */
export function isBindingAllowed(
  rules: readonly AllowRule[],
  namespace: string,
  resourceId: string,
): boolean {
  return rules.some(
    (r) => globMatches(r.namespaces, namespace) && isUnderPrefix(resourceId, r.resourceIdPrefix),
  );
}

function globMatches(glob: string, value: string): boolean {
  const re = new RegExp('^' + glob.split('*').map(escapeRegExp).join('.*') + '$');
  return re.test(value);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
