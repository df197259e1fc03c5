/**
 * The KeyBinding CRD's admission rules on value names, generated from the key providers' catalogues so that
 * each list is written once (in `shared/keys/providers/*`). For every resource type the service serves there
 * is one CEL rule on `spec`: when `resourceId` names that type (any casing), every key of `spec.secrets` must
 * be one of the type's value names. A resource ID of another type passes: the engine reports
 * `UnsupportedResourceType` on the binding's status, which tells the user more than a refusal could.
 *
 * `scripts/generateCrd.ts` writes these rules into `infra/k8s/keybinding-crd.yaml`; a unit test fails when the
 * file and the catalogues differ.
 */
import type { KeyProviderRegistry } from '../../shared/keys/registry.ts';
import { catalogueOnlyRegistry } from './catalogueOnlyRegistry.ts';

/** One entry of a CRD schema's `x-kubernetes-validations`. */
export interface CrdValidationRule {
  readonly rule: string;
  /** Shown when `messageExpression` cannot be evaluated. */
  readonly message: string;
  /** The same, with the resource type spelt as in the binding. */
  readonly messageExpression: string;
  /** Where the error points, relative to `spec`. */
  readonly fieldPath: string;
}

/**
 * The value-name rules for every type of `registry`, ordered by type.
 * @param registry - the providers to read the catalogues of; the built-in ones by default
 * @throws Error when a resource type has characters the generated regular expression does not expect
 */
export function valueNameRules(registry: KeyProviderRegistry = catalogueOnlyRegistry()): CrdValidationRule[] {
  return registry.resourceTypes.map((type) => {
    if (!/^[a-z0-9.]+\/[a-z0-9]+$/i.test(type)) throw new Error(`unexpected resource type '${type}'`);
    const names = registry.valueNamesFor(type);
    const list = `[${names.map((n) => `'${n}'`).join(', ')}]`;
    // (?i): ARM resource types are case-insensitive. `[.]` instead of `\.`: no escaping in CEL or YAML.
    const id = `(?i)^/subscriptions/[^/]+/resourcegroups/[^/]+/providers/${type.replaceAll('.', '[.]')}/[^/]+$`;
    return {
      rule: `!self.resourceId.matches('${id}') || self.secrets.all(v, v in ${list})`,
      message: `${type} provides only these value names: ${names.join(', ')}`,
      // The type as the user spelt it. Only evaluated when the rule failed, so the ID matched the pattern and has
      // segments 6 and 7. Naming the offending keys would exceed the apiserver's cost budget (keys have no
      // length bound); the error points at spec.secrets, next to them.
      messageExpression:
        `self.resourceId.split('/')[6] + '/' + self.resourceId.split('/')[7] + ` +
        `' provides only these value names: ${names.join(', ')}'`,
      fieldPath: '.secrets',
    };
  });
}
