import { readFile } from 'node:fs/promises';

import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import {
  ApiextensionsV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  loadAllYaml,
  PatchStrategy,
} from '@kubernetes/client-node';

/**
 * Server-side applies every object of a YAML file (what `kubectl apply --server-side` does), keeping schema
 * keywords intact: objects go through `loadAllYaml`, never through the typed models, which drop `enum`.
 * @param kc - admin KubeConfig
 * @param file - path of a multi-document YAML file
 * @param options - `dryRun: true` asks the apiserver to validate without persisting; `only` picks the objects
 *   to apply (all by default)
 * @returns the applied objects as the apiserver returned them
 */
export async function applyManifests(
  kc: KubeConfig,
  file: string,
  options: { dryRun?: boolean; only?: (o: KubernetesObject) => boolean } = {},
): Promise<KubernetesObject[]> {
  const client = KubernetesObjectApi.makeApiClient(kc);
  const docs = loadAllYaml(await readFile(file, 'utf8')) as KubernetesObject[];
  const out: KubernetesObject[] = [];
  for (const doc of docs.filter((d) => d && (options.only?.(d) ?? true))) {
    out.push(
      await client.patch(
        doc,
        undefined,
        options.dryRun ? 'All' : undefined,
        'aks-keysync-localstack',
        true,
        PatchStrategy.ServerSideApply,
      ),
    );
  }
  return out;
}

/**
 * Waits until a CustomResourceDefinition reports Established and its objects can be listed (bounded): right
 * after Established the apiserver may still answer 429 "storage is (re)initializing".
 * @param kc - admin KubeConfig
 * @param name - CRD name, e.g. `keybindings.keysync.dev`
 * @param timeoutInMs - bound
 */
export async function waitForCrd(kc: KubeConfig, name: string, timeoutInMs = 30_000): Promise<void> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  const deadline = Date.now() + timeoutInMs;
  while (Date.now() < deadline) {
    const crd = await api.readCustomResourceDefinition({ name });
    if (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) {
      const version = crd.spec.versions.find((v) => v.storage)?.name ?? crd.spec.versions[0]?.name ?? 'v1';
      const listed = await kc
        .makeApiClient(CustomObjectsApi)
        .listClusterCustomObject({ group: crd.spec.group, version, plural: crd.spec.names.plural })
        .then(
          () => true,
          () => false,
        );
      if (listed) return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`CRD ${name} not Established after ${timeoutInMs} ms`);
}
