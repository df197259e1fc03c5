import type { KubeConfig, KubernetesListObject } from '@kubernetes/client-node';

import { kubeHttpError, metadataAccept, openKubeGet, readJson } from './kubeGet.ts';
import type { WatchedObject } from './projectMetadata.ts';
import { projectMetadata } from './projectMetadata.ts';

/** Options of {@link listMetadata}. */
export interface ListMetadataOptions {
  readonly labelSelector?: string | undefined;
  /** Page size (the apiserver's `limit`). Default 500. */
  readonly pageSize?: number;
  /** Applied to every item; {@link projectMetadata} by default (tests pass the identity to see the raw answer). */
  readonly project?: (item: unknown) => WatchedObject;
  readonly signal?: AbortSignal;
}

/**
 * Lists a collection through the metadata-only API (`as=PartialObjectMetadataList`), page by page, and returns
 * the items with the list's resourceVersion (the consistent snapshot every page belongs to), from which a
 * watch resumes.
 * @param kc - the watcher's KubeConfig
 * @param path - collection path, e.g. `/api/v1/secrets` or `/apis/keysync.dev/v1alpha1/namespaces/x/keybindings`
 * @param options - selector, page size
 * @throws KubeHttpError for a non-200 answer (403 without RBAC, 404 without the CRD, 410 for an expired
 *   continue token), or a network error
 */
export async function listMetadata(
  kc: KubeConfig,
  path: string,
  options: ListMetadataOptions = {},
): Promise<KubernetesListObject<WatchedObject>> {
  const project = options.project ?? projectMetadata;
  const items: WatchedObject[] = [];
  let resourceVersion: string | undefined;
  let cont: string | undefined;
  do {
    const page = await listPage(kc, path, options, cont);
    for (const item of page.items ?? []) items.push(project(item));
    resourceVersion ??= page.metadata?.resourceVersion;
    cont = page.metadata?.continue || undefined;
  } while (cont);
  return {
    apiVersion: 'meta.k8s.io/v1',
    kind: 'PartialObjectMetadataList',
    metadata: { resourceVersion: resourceVersion ?? '' },
    items,
  };
}

interface Page {
  readonly metadata?: { readonly resourceVersion?: string; readonly continue?: string };
  readonly items?: unknown[];
}

async function listPage(
  kc: KubeConfig,
  path: string,
  options: ListMetadataOptions,
  cont?: string,
): Promise<Page> {
  const res = await openKubeGet(kc, path, {
    query: { labelSelector: options.labelSelector, limit: options.pageSize ?? 500, continue: cont },
    accept: metadataAccept.list,
    signal: options.signal,
  });
  if (res.statusCode !== 200) throw await kubeHttpError(`list ${path}`, res);
  return ((await readJson(res)) as Page | undefined) ?? {};
}
