import type { CustomObjectsApi } from '@kubernetes/client-node';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';

/**
 * Replaces a KeyBinding's spec as a user editing it would (JSON patch of `/spec`: no resourceVersion, so a
 * concurrent status write by the engine cannot make it conflict).
 * @param custom - an admin client
 * @param namespace - the binding's namespace
 * @param name - the binding
 * @param spec - the new spec
 */
export async function setBindingSpec(
  custom: CustomObjectsApi,
  namespace: string,
  name: string,
  spec: unknown,
): Promise<void> {
  await custom.patchNamespacedCustomObject(
    {
      group: 'keysync.dev',
      version: 'v1alpha1',
      plural: 'keybindings',
      namespace,
      name,
      body: [{ op: 'replace', path: '/spec', value: spec }],
    },
    setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
  );
}
