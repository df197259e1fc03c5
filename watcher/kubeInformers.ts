import type { Informer, KubeConfig, ObjectCache } from '@kubernetes/client-node';
import { ListWatch } from '@kubernetes/client-node';

import { keyBindingApi } from '../shared/bindings/KeyBinding.ts';
import { ownership } from '../shared/kube/ownership.ts';
import type { WatchKind } from '../shared/watch/WatchMessage.ts';
import { listMetadata } from './listMetadata.ts';
import { MetadataWatch } from './MetadataWatch.ts';
import type { WatchedObject } from './projectMetadata.ts';

/** A collection the watcher watches. */
export interface WatchedResource {
  readonly kind: WatchKind;
  /** Collection path, cluster-wide or in one namespace. */
  readonly path: string;
  readonly labelSelector?: string;
}

/** Callbacks an informer reports progress through (health and counters). */
export interface InformerHooks {
  /** A (re)list succeeded with this many objects. */
  onListed(count: number): void;
  /** A watch request was accepted. */
  onConnected(): void;
}

/** An informer over {@link WatchedObject}s. */
export type WatchInformer = Informer<WatchedObject> & ObjectCache<WatchedObject>;

/** Builds the informer of one watched collection (tests give a fake). */
export type InformerFactory = (resource: WatchedResource, hooks: InformerHooks) => WatchInformer;

/**
 * The two collections the watcher watches: KeyBindings, and Secrets carrying our managed-by label (the
 * apiserver filters by label; only owned Secrets are listed).
 * @param namespace - watch one namespace only (a namespace-scoped installation, tests); all by default
 */
export function watchedResources(namespace?: string): WatchedResource[] {
  const ns = namespace ? `/namespaces/${namespace}` : '';
  return [
    {
      kind: 'KeyBinding',
      path: `/apis/${keyBindingApi.group}/${keyBindingApi.version}${ns}/${keyBindingApi.plural}`,
    },
    {
      kind: 'Secret',
      path: `/api/v1${ns}/secrets`,
      labelSelector: `${ownership.managedByLabel}=${ownership.managedByValue}`,
    },
  ];
}

/**
 * Informers for a real cluster: `@kubernetes/client-node`'s `ListWatch` (cache, resume from resourceVersion,
 * relist on 410 Gone) over the metadata-only API ({@link listMetadata}, {@link MetadataWatch}).
 * @param kc - the watcher's KubeConfig (in-cluster: its ServiceAccount)
 * @param options - the server-side watch timeout (tests shorten it)
 */
export function createKubeInformerFactory(
  kc: KubeConfig,
  options: { readonly watchTimeoutSeconds?: () => number } = {},
): InformerFactory {
  return (resource, hooks) => {
    const watch = new MetadataWatch(kc, {
      onConnected: () => hooks.onConnected(),
      ...(options.watchTimeoutSeconds ? { timeoutSeconds: options.watchTimeoutSeconds } : {}),
    });
    const list = async () => {
      const result = await listMetadata(kc, resource.path, { labelSelector: resource.labelSelector });
      hooks.onListed(result.items.length);
      return result;
    };
    const informer = new ListWatch<WatchedObject>(resource.path, watch, list, false, resource.labelSelector);
    // ListWatch may open one more watch when stop() lands while a list is in flight: closing the watch first
    // makes that attempt end at once, so a stopped informer holds no connection.
    return {
      on: informer.on.bind(informer),
      off: informer.off.bind(informer),
      get: informer.get.bind(informer),
      list: informer.list.bind(informer),
      start: () => {
        watch.reopen();
        return informer.start();
      },
      stop: async () => {
        watch.close();
        await informer.stop();
      },
    };
  };
}
