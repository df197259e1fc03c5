import type { KubeConfig, RequestContext, V1Secret } from '@kubernetes/client-node';
import {
  CoreV1Api,
  CustomObjectsApi,
  Observable,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';

import type { BindingRef } from '../bindings/KeyBinding.ts';
import { keyBindingApi } from '../bindings/KeyBinding.ts';
import type {
  BindingEvent,
  BindingObjectRef,
  ClusterClient,
  SecretObject,
  SecretWrite,
} from './ClusterClient.ts';
import type { ListPage } from './listAllPages.ts';
import { defaultListPageSize, listAllPages } from './listAllPages.ts';
import { mapKubeError, statusCodeOf } from './mapKubeError.ts';

/** Options for {@link createKubeClusterClient}. */
export interface KubeClusterClientOptions {
  /** Per-request timeout. Default 10 s. */
  requestTimeoutInMs?: number;
  /** `reportingController` of Events. */
  component?: string;
  /** Objects per page of a KeyBinding list (the apiserver's `limit`). Default 500. */
  listPageSize?: number;
}

/**
 * Implements {@link ClusterClient} over @kubernetes/client-node for one cluster.
 * @param cluster - registered cluster name (for messages)
 * @param kc - a KubeConfig whose current context reaches the cluster
 * @param options - timeouts
 */
export function createKubeClusterClient(
  cluster: string,
  kc: KubeConfig,
  options: KubeClusterClientOptions = {},
): ClusterClient {
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const timeoutInMs = options.requestTimeoutInMs ?? 10_000;
  const component = options.component ?? 'aks-keysync';
  const limit = options.listPageSize ?? defaultListPageSize;
  // @kubernetes/client-node 2.0 builds a new undici Agent, so a new TCP + TLS connection, for every request.
  // The first request's agent (same cluster, same TLS settings) is kept: this client's requests then share
  // keep-alive connections, which costs each request one handshake less.
  let dispatcher: ReturnType<RequestContext['getDispatcher']>;
  const timeout = {
    middleware: [
      {
        pre: (ctx: RequestContext) => {
          ctx.setSignal(AbortSignal.timeout(timeoutInMs));
          dispatcher ??= ctx.getDispatcher();
          if (dispatcher) ctx.setDispatcher(dispatcher);
          return new Observable(Promise.resolve(ctx));
        },
        post: <T>(res: T) => new Observable(Promise.resolve(res)),
      },
    ],
    middlewareMergeStrategy: 'append' as const,
  } as unknown as Parameters<CoreV1Api['readNamespacedSecret']>[1];

  const call = async <T>(action: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw mapKubeError(err, { cluster, action });
    }
  };
  const getOrUndefined = async <T>(action: string, fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn();
    } catch (err) {
      if (statusCodeOf(err) === 404) return undefined;
      throw mapKubeError(err, { cluster, action });
    }
  };
  const crd = { group: keyBindingApi.group, version: keyBindingApi.version, plural: keyBindingApi.plural };

  return {
    cluster,
    listKeyBindings(namespace) {
      // Page by page: each request is bounded by the timeout, so one huge list cannot be.
      const page = (_continue: string | undefined) =>
        (namespace
          ? custom.listNamespacedCustomObject({ ...crd, namespace, limit, _continue }, timeout)
          : custom.listClusterCustomObject({ ...crd, limit, _continue }, timeout)) as Promise<ListPage>;
      return call(`list KeyBindings${namespace ? ` in ${namespace}` : ''}`, () => listAllPages(page));
    },
    getKeyBinding(namespace, name) {
      return getOrUndefined(
        `get KeyBinding ${namespace}/${name}`,
        () => custom.getNamespacedCustomObject({ ...crd, namespace, name }, timeout) as Promise<unknown>,
      );
    },
    async getSecret(namespace, name) {
      const s = await getOrUndefined(`get Secret ${namespace}/${name}`, () =>
        core.readNamespacedSecret({ namespace, name }, timeout),
      );
      return s ? toSecretObject(s) : undefined;
    },
    async createSecret(secret) {
      await call(`create Secret ${secret.namespace}/${secret.name}`, () =>
        core.createNamespacedSecret({ namespace: secret.namespace, body: toV1Secret(secret) }, timeout),
      );
    },
    async replaceSecret(secret) {
      await call(`update Secret ${secret.namespace}/${secret.name}`, () =>
        core.replaceNamespacedSecret(
          { namespace: secret.namespace, name: secret.name, body: toV1Secret(secret) },
          timeout,
        ),
      );
    },
    async deleteSecret(namespace, name, preconditions) {
      await getOrUndefined(`delete Secret ${namespace}/${name}`, () =>
        core.deleteNamespacedSecret({ namespace, name, body: { preconditions } }, timeout),
      );
    },
    async patchKeyBindingStatus(ref: BindingRef, status) {
      await call(
        `update status of KeyBinding ${ref.namespace}/${ref.name}`,
        () =>
          custom.patchNamespacedCustomObjectStatus(
            { ...crd, namespace: ref.namespace, name: ref.name, body: { status } },
            setHeaderOptions('Content-Type', PatchStrategy.MergePatch, timeout),
          ) as Promise<unknown>,
      );
    },
    async recordEvent(ref: BindingObjectRef, event: BindingEvent) {
      const now = new Date();
      await call(`create Event for KeyBinding ${ref.namespace}/${ref.name}`, () =>
        core.createNamespacedEvent(
          {
            namespace: ref.namespace,
            body: {
              metadata: { generateName: `${ref.name}.`, namespace: ref.namespace },
              involvedObject: {
                apiVersion: keyBindingApi.apiVersion,
                kind: keyBindingApi.kind,
                name: ref.name,
                namespace: ref.namespace,
                uid: ref.uid,
              },
              type: event.type,
              reason: event.reason,
              message: event.message.slice(0, 1024),
              firstTimestamp: now,
              lastTimestamp: now,
              count: 1,
              source: { component },
              reportingComponent: component,
              reportingInstance: component,
            },
          },
          timeout,
        ),
      );
    },
  };
}

function toV1Secret(s: SecretWrite): V1Secret {
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.data)) data[k] = Buffer.from(v, 'utf8').toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: s.name,
      namespace: s.namespace,
      labels: { ...s.labels },
      annotations: { ...s.annotations },
      ownerReferences: s.ownerReferences.map((r) => ({ ...r })),
      ...(s.resourceVersion ? { resourceVersion: s.resourceVersion } : {}),
    },
    data,
  };
}

function toSecretObject(s: V1Secret): SecretObject {
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.data ?? {})) data[k] = Buffer.from(v, 'base64').toString('utf8');
  return {
    namespace: s.metadata?.namespace ?? '',
    name: s.metadata?.name ?? '',
    uid: s.metadata?.uid ?? '',
    resourceVersion: s.metadata?.resourceVersion ?? '',
    labels: s.metadata?.labels ?? {},
    annotations: s.metadata?.annotations ?? {},
    ownerReferences: s.metadata?.ownerReferences ?? [],
    data,
  };
}
