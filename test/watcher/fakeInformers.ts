/**
 * Test double for the watcher's informers: real `ListWatch` informers from @kubernetes/client-node fed by a
 * scripted list function and a scripted `Watch`, so ClusterWatcher's handling of events, 410 Gone, dropped
 * watches and failures can be driven step by step without an apiserver.
 */
import { KubeConfig, ListWatch, Watch } from '@kubernetes/client-node';

import type { WatchKind } from '../../shared/watch/WatchMessage.ts';
import type { InformerFactory } from '../../watcher/kubeInformers.ts';
import type { WatchedObject } from '../../watcher/projectMetadata.ts';

type Done = (err: unknown) => void;
type Callback = (phase: string, obj: unknown, watchObj?: unknown) => void;

/** A Watch whose events the test emits. */
export class ScriptedWatch extends Watch {
  /** Query of every watch request (resourceVersion shows where a watch resumed). */
  readonly requests: Array<Record<string, unknown>> = [];
  #callback: Callback | undefined;
  #done: Done | undefined;
  onConnected: () => void = () => undefined;

  constructor() {
    super(new KubeConfig());
  }

  override watch(
    _path: string,
    query: Record<string, string | number | boolean | undefined>,
    callback: Callback,
    done: Done,
  ): Promise<AbortController> {
    this.requests.push({ ...query });
    this.#callback = callback;
    this.#done = done;
    this.onConnected();
    return Promise.resolve(new AbortController());
  }

  /** Whether a watch is open. */
  get open(): boolean {
    return this.#done !== undefined;
  }

  emit(type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR', obj: unknown): void {
    this.#callback?.(type, obj, { type, object: obj });
  }

  /** Ends the watch: `done(null)` (server closed it) or `done(err)`. */
  end(err: unknown = null): void {
    const done = this.#done;
    this.#done = undefined;
    this.#callback = undefined;
    done?.(err);
  }
}

/** The scripted collection of one kind. */
export interface FakeSource {
  items: WatchedObject[];
  resourceVersion: string;
  listCalls: number;
  /** When set, lists fail with it. */
  listError: Error | undefined;
  readonly watch: ScriptedWatch;
}

/**
 * An InformerFactory over scripted sources.
 * @returns the factory and the sources by kind
 */
export function fakeInformers(): { factory: InformerFactory; sources: Record<WatchKind, FakeSource> } {
  const source = (): FakeSource => ({
    items: [],
    resourceVersion: '1',
    listCalls: 0,
    listError: undefined,
    watch: new ScriptedWatch(),
  });
  const sources: Record<WatchKind, FakeSource> = { KeyBinding: source(), Secret: source() };
  const factory: InformerFactory = (resource, hooks) => {
    const src = sources[resource.kind];
    src.watch.onConnected = () => hooks.onConnected();
    const list = () => {
      src.listCalls += 1;
      if (src.listError) return Promise.reject(src.listError);
      hooks.onListed(src.items.length);
      return Promise.resolve({
        apiVersion: 'meta.k8s.io/v1',
        kind: 'PartialObjectMetadataList',
        metadata: { resourceVersion: src.resourceVersion },
        items: src.items.map((i) => structuredClone(i)),
      });
    };
    return new ListWatch<WatchedObject>(resource.path, src.watch, list, false, resource.labelSelector);
  };
  return { factory, sources };
}

/** A KeyBinding as the watcher sees it. */
export function bindingMeta(
  name: string,
  resourceVersion: string,
  generation = 1,
  uid = `uid-${name}`,
): WatchedObject {
  return { metadata: { name, namespace: 'orders', uid, resourceVersion, generation } };
}

/** An owned Secret as the watcher sees it. */
export function secretMeta(name: string, resourceVersion: string, owner = name): WatchedObject {
  return {
    metadata: {
      name,
      namespace: 'orders',
      uid: `uid-s-${name}`,
      resourceVersion,
      labels: { 'app.kubernetes.io/managed-by': 'aks-keysync' },
      annotations: { 'keysync.dev/binding': owner },
    },
  };
}

/**
 * Polls until `check` returns true (bounded).
 * @param check - condition
 * @param what - for the error
 * @param timeoutInMs - bound
 */
export async function until(check: () => boolean, what: string, timeoutInMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutInMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
