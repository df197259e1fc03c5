/**
 * Timing decorators around the engine's dependencies (binding index, cluster registry, connector and the
 * cluster client it returns, key providers, the key ledger). They record a span per call on a
 * {@link Timeline} and change nothing else, so the engine runs its own code path unmodified.
 */
import type { BindingIndex } from '../../shared/bindings/BindingIndex.ts';
import type { ClusterConnector } from '../../shared/clusters/ClusterConnector.ts';
import type { ClusterStore } from '../../shared/clusters/ClusterStore.ts';
import type { KeyLedger } from '../../shared/keys/KeyLedger.ts';
import type { KeyProvider } from '../../shared/keys/KeyProvider.ts';
import type { ClusterClient } from '../../shared/kube/ClusterClient.ts';
import type { KeyProviderLookup } from '../../shared/keys/KeyProvider.ts';
import type { EngineDeps } from '../../shared/reconcile/EngineDeps.ts';
import type { Timeline } from './Timeline.ts';

/**
 * Returns `deps` with every I/O dependency timed on `timeline`.
 * @param deps - resync or ARM-event dependencies
 * @param timeline - where spans go
 */
export function instrumentDeps<T extends EngineDeps>(deps: T, timeline: Timeline): T {
  return {
    ...deps,
    index: timedIndex(deps.index, timeline),
    clusters: timedClusters(deps.clusters, timeline),
    connect: timedConnector(deps.connect, timeline),
    providers: timedProviders(deps.providers, timeline),
    ledger: timedLedger(deps.ledger, timeline),
  };
}

function timedIndex(index: BindingIndex, t: Timeline): BindingIndex {
  return {
    lookup: (key) => t.time('index.lookup', '', () => index.lookup(key)),
    upsert: (e) => t.time('index.upsert', e.cluster, () => index.upsert(e)),
    remove: (ref) => t.time('index.remove', ref.cluster, () => index.remove(ref)),
    replaceCluster: (c, entries) => t.time('index.replaceCluster', c, () => index.replaceCluster(c, entries)),
  };
}

function timedClusters(store: ClusterStore, t: Timeline): ClusterStore {
  return {
    list: () => t.time('registry.list', '', () => store.list()),
    get: (name) => t.time('registry.get', name, () => store.get(name)),
    upsert: (r) => store.upsert(r),
    remove: (name) => store.remove(name),
  };
}

function timedConnector(connect: ClusterConnector, t: Timeline): ClusterConnector {
  return async (registration) =>
    timedClient(await t.time('connect', registration.name, () => connect(registration)), t);
}

function timedClient(c: ClusterClient, t: Timeline): ClusterClient {
  const n = c.cluster;
  return {
    cluster: n,
    listKeyBindings: (ns) => t.time('k8s.listKeyBindings', n, () => c.listKeyBindings(ns)),
    getKeyBinding: (ns, name) => t.time('k8s.getKeyBinding', n, () => c.getKeyBinding(ns, name)),
    getSecret: (ns, name) => t.time('k8s.getSecret', n, () => c.getSecret(ns, name)),
    createSecret: (s) => t.time('k8s.createSecret', n, () => c.createSecret(s)),
    replaceSecret: (s) => t.time('k8s.replaceSecret', n, () => c.replaceSecret(s)),
    deleteSecret: (ns, name, pre) => t.time('k8s.deleteSecret', n, () => c.deleteSecret(ns, name, pre)),
    patchKeyBindingStatus: (ref, st) =>
      t.time('k8s.patchKeyBindingStatus', n, () => c.patchKeyBindingStatus(ref, st)),
    recordEvent: (ref, e) => t.time('k8s.recordEvent', n, () => c.recordEvent(ref, e)),
  };
}

function timedProviders(providers: KeyProviderLookup, t: Timeline): KeyProviderLookup {
  return {
    get(type) {
      const p = providers.get(type);
      const timed: KeyProvider = {
        resourceType: p.resourceType,
        valueNames: p.valueNames,
        keyValueNames: p.keyValueNames,
        needsKeys: (wanted) => p.needsKeys(wanted),
        fetchValues: (resource, wanted, options) =>
          t.time('arm.fetchValues', resource.name, () => p.fetchValues(resource, wanted, options)),
      };
      return timed;
    },
  };
}

function timedLedger(ledger: KeyLedger, t: Timeline): KeyLedger {
  return {
    observe: (k, f, span, record) => t.time('ledger.observe', '', () => ledger.observe(k, f, span, record)),
  };
}
