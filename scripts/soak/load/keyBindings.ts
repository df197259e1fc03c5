import type { CustomObjectsApi } from '@kubernetes/client-node';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';

import { keyBindingApi } from '../../../shared/bindings/KeyBinding.ts';
import type { BindingSpec } from '../SoakModel.ts';

const crd = { group: keyBindingApi.group, version: keyBindingApi.version, plural: keyBindingApi.plural };

/** Creates a KeyBinding as its user would (admin client). */
export async function createKeyBinding(
  custom: CustomObjectsApi,
  namespace: string,
  name: string,
  spec: BindingSpec,
): Promise<void> {
  await custom.createNamespacedCustomObject({
    ...crd,
    namespace,
    body: {
      apiVersion: keyBindingApi.apiVersion,
      kind: keyBindingApi.kind,
      metadata: { name, namespace },
      spec,
    },
  });
}

/** Replaces a KeyBinding's spec (JSON patch of `/spec`: no resourceVersion, no conflict with status writes). */
export async function setKeyBindingSpec(
  custom: CustomObjectsApi,
  namespace: string,
  name: string,
  spec: BindingSpec,
): Promise<void> {
  await custom.patchNamespacedCustomObject(
    { ...crd, namespace, name, body: [{ op: 'replace', path: '/spec', value: spec }] },
    setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
  );
}

/** Deletes a KeyBinding (its Secrets go with it through their ownerReferences). */
export async function deleteKeyBinding(
  custom: CustomObjectsApi,
  namespace: string,
  name: string,
): Promise<void> {
  await custom.deleteNamespacedCustomObject({ ...crd, namespace, name });
}

/** Every KeyBinding of a namespace, status included (for the key-material scan). */
export async function listKeyBindings(custom: CustomObjectsApi, namespace: string): Promise<unknown[]> {
  const list = (await custom.listNamespacedCustomObject({ ...crd, namespace })) as { items?: unknown[] };
  return list.items ?? [];
}
