/**
 * Watches, as admin, the Secrets aks-keysync owns in every cluster and records each change the apiserver
 * reports (ADDED / MODIFIED / DELETED with the new resourceVersion and the time it arrived): the independent
 * view of "which Secrets changed, how often, and when".
 */
import { performance } from 'node:perf_hooks';

import { Watch } from '@kubernetes/client-node';

import { ownership } from '../../shared/kube/ownership.ts';
import type { BenchCluster } from './startBenchEnvironment.ts';

/** One change of one Secret. */
export interface SecretChange {
  readonly cluster: string;
  readonly namespace: string;
  readonly name: string;
  readonly type: string;
  readonly resourceVersion: string;
  /** `performance.now()` when the watch event arrived. */
  readonly at: number;
}

interface WatchedObject {
  metadata?: { namespace?: string; name?: string; resourceVersion?: string };
}

/** A running watch over several clusters. Always {@link SecretChangeWatch.stop} it. */
export class SecretChangeWatch {
  readonly #changes: SecretChange[] = [];
  readonly #controllers: AbortController[] = [];
  readonly #errors: string[] = [];
  readonly #changed = new Set<string>();

  private constructor() {}

  /**
   * Starts watching from the clusters' current state (no synthetic ADDED events for existing Secrets).
   * @param clusters - the clusters
   * @param namespacePrefix - only Secrets in namespaces starting with this count
   */
  static async start(clusters: readonly BenchCluster[], namespacePrefix: string): Promise<SecretChangeWatch> {
    const w = new SecretChangeWatch();
    const labelSelector = `${ownership.managedByLabel}=${ownership.managedByValue}`;
    try {
      for (const c of clusters) {
        const list = await c.core.listSecretForAllNamespaces({ labelSelector, limit: 1 });
        const controller = await new Watch(c.admin).watch(
          '/api/v1/secrets',
          { labelSelector, resourceVersion: list.metadata?.resourceVersion, allowWatchBookmarks: false },
          (type: string, obj: WatchedObject) => {
            const m = obj.metadata ?? {};
            if (!m.namespace?.startsWith(namespacePrefix) || type === 'BOOKMARK') return;
            w.#changed.add(`${c.name}/${m.namespace}/${m.name ?? ''}`);
            w.#changes.push({
              cluster: c.name,
              namespace: m.namespace,
              name: m.name ?? '',
              type,
              resourceVersion: m.resourceVersion ?? '',
              at: performance.now(),
            });
          },
          (err: unknown) => {
            if (err && !(err instanceof Error && err.name === 'AbortError'))
              w.#errors.push(`${c.name}: ${err instanceof Error ? err.message : 'watch ended'}`);
          },
        );
        w.#controllers.push(controller);
      }
    } catch (err) {
      w.stop();
      throw err;
    }
    return w;
  }

  /** Every change seen so far, in arrival order. */
  changes(): readonly SecretChange[] {
    return this.#changes;
  }

  /** Watches that ended with an error (a benchmark result is then incomplete). */
  errors(): readonly string[] {
    return this.#errors;
  }

  /** Distinct Secrets (`cluster/namespace/name`) changed so far. */
  changedSecrets(): ReadonlySet<string> {
    return this.#changed;
  }

  /**
   * Resolves when at least `count` distinct Secrets changed, or the bound passed.
   * @param count - distinct Secrets expected
   * @param timeoutInMs - bound
   * @returns whether the count was reached
   */
  async waitForChanged(count: number, timeoutInMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutInMs;
    while (this.changedSecrets().size < count) {
      if (performance.now() > deadline || this.#errors.length > 0) return false;
      await new Promise((r) => setTimeout(r, 5));
    }
    return true;
  }

  /** Stops every watch. Idempotent. */
  stop(): void {
    for (const c of this.#controllers.splice(0)) c.abort();
  }
}
