import type { KubernetesObject } from '@kubernetes/client-node';

import { keyBindingApi } from '../shared/bindings/KeyBinding.ts';
import { ownership } from '../shared/kube/ownership.ts';

/** The only fields the watcher keeps of any object: identity, version and our ownership marks. */
export interface WatchedObject extends KubernetesObject {
  readonly metadata: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string }>;
  };
}

const keptLabels = [ownership.managedByLabel, ownership.bindingUidLabel];
const keptAnnotations = [ownership.bindingAnnotation];

/**
 * Reduces an object to {@link WatchedObject}: name, namespace, uid, resourceVersion, generation, our two
 * ownership labels, our binding annotation and KeyBinding ownerReferences. Everything else is dropped even
 * though the metadata-only API already left out `data`: other annotations (e.g.
 * `kubectl.kubernetes.io/last-applied-configuration`, which holds a whole Secret after `kubectl apply`) and
 * managedFields never enter the watcher's cache.
 * @param obj - an object or PartialObjectMetadata as the API returned it
 */
export function projectMetadata(obj: unknown): WatchedObject {
  const m = (obj as { metadata?: Record<string, unknown> } | null)?.metadata ?? {};
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const labels = pick(m.labels, keptLabels);
  const annotations = pick(m.annotations, keptAnnotations);
  const owners = Array.isArray(m.ownerReferences)
    ? (m.ownerReferences as Array<Record<string, unknown>>)
        .filter((r) => r.kind === keyBindingApi.kind)
        .map((r) => ({
          apiVersion: str(r.apiVersion) ?? '',
          kind: keyBindingApi.kind,
          name: str(r.name) ?? '',
          uid: str(r.uid) ?? '',
        }))
    : [];
  return {
    apiVersion: 'meta.k8s.io/v1',
    kind: 'PartialObjectMetadata',
    metadata: {
      name: str(m.name),
      namespace: str(m.namespace),
      uid: str(m.uid),
      resourceVersion: str(m.resourceVersion),
      ...(typeof m.generation === 'number' ? { generation: m.generation } : {}),
      ...(labels ? { labels } : {}),
      ...(annotations ? { annotations } : {}),
      ...(owners.length > 0 ? { ownerReferences: owners } : {}),
    },
  };
}

function pick(map: unknown, keys: readonly string[]): Record<string, string> | undefined {
  if (typeof map !== 'object' || map === null) return undefined;
  const out: Record<string, string> = {};
  for (const k of keys) {
    const v = (map as Record<string, unknown>)[k];
    if (typeof v === 'string') out[k] = v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
