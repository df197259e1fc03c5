import type { KubeConfig, V1Secret } from '@kubernetes/client-node';
import { CoreV1Api, makeInformer } from '@kubernetes/client-node';

/** The state of one Secret as last observed (decoded data; held in memory only, never printed). */
export interface ObservedSecret {
  readonly cluster: string;
  readonly namespace: string;
  readonly name: string;
  /** Undefined once deleted. */
  readonly data: ReadonlyMap<string, string> | undefined;
  readonly resourceVersion: string;
  /** When this state was first seen. */
  readonly since: number;
}

/** Called for every observed change (in each cluster's watch order). */
export type SecretListener = (secret: ObservedSecret) => void;

/** One cluster to observe, as admin. */
export interface ObservedCluster {
  readonly name: string;
  readonly admin: KubeConfig;
}

/**
 * An admin watch on every Secret of the soak's namespaces in every cluster (an informer per cluster, restarted
 * after any failure such as an apiserver restart): the eyes of invariants (a) and (b). Changes made while a
 * watch is down are seen as one change when it relists.
 */
export class SecretObserver {
  readonly #clusters: readonly ObservedCluster[];
  readonly #inScope: (namespace: string) => boolean;
  readonly #listeners: SecretListener[] = [];
  readonly #state = new Map<string, ObservedSecret>();
  readonly #stops: Array<() => Promise<void>> = [];
  #stopped = false;
  /** Informer failures (each followed by a restart). */
  restarts = 0;

  /**
   * @param clusters - clusters and their admin KubeConfigs
   * @param inScope - which namespaces to observe
   */
  constructor(clusters: readonly ObservedCluster[], inScope: (namespace: string) => boolean) {
    this.#clusters = clusters;
    this.#inScope = inScope;
  }

  /** Adds a listener. */
  onChange(listener: SecretListener): void {
    this.#listeners.push(listener);
  }

  /** Starts every informer and waits (bounded) for their first list. */
  async start(timeoutInMs = 30_000): Promise<void> {
    await Promise.all(this.#clusters.map((c) => this.#startCluster(c, timeoutInMs)));
  }

  /**
   * The last observed state of a Secret.
   * @param cluster - cluster name
   * @param namespace - namespace
   * @param name - Secret name
   */
  get(cluster: string, namespace: string, name: string): ObservedSecret | undefined {
    return this.#state.get(`${cluster}/${namespace}/${name}`);
  }

  /** Every Secret currently present. */
  present(): ObservedSecret[] {
    return [...this.#state.values()].filter((s) => s.data !== undefined);
  }

  /** Stops every informer. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all(this.#stops.map((s) => s()));
  }

  async #startCluster(c: ObservedCluster, timeoutInMs: number): Promise<void> {
    const core = c.admin.makeApiClient(CoreV1Api);
    const informer = makeInformer<V1Secret>(c.admin, '/api/v1/secrets', () =>
      core.listSecretForAllNamespaces(),
    );
    let timer: NodeJS.Timeout | undefined;
    const seen = (s: V1Secret, deleted: boolean) => {
      const namespace = s.metadata?.namespace ?? '';
      if (!this.#inScope(namespace)) return;
      const obs: ObservedSecret = {
        cluster: c.name,
        namespace,
        name: s.metadata?.name ?? '',
        data: deleted ? undefined : decode(s.data),
        resourceVersion: s.metadata?.resourceVersion ?? '',
        since: Date.now(),
      };
      this.#state.set(`${c.name}/${obs.namespace}/${obs.name}`, obs);
      for (const l of this.#listeners) l(obs);
    };
    informer.on('add', (s) => seen(s, false));
    informer.on('update', (s) => seen(s, false));
    informer.on('delete', (s) => seen(s, true));
    informer.on('error', () => {
      if (this.#stopped) return;
      this.restarts += 1;
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (!this.#stopped) informer.start().catch(() => undefined);
      }, 1_000);
    });
    this.#stops.push(async () => {
      clearTimeout(timer);
      await informer.stop();
    });
    const deadline = Date.now() + timeoutInMs;
    for (;;) {
      try {
        await informer.start();
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }
}

function decode(data: Record<string, string> | undefined): ReadonlyMap<string, string> {
  return new Map(Object.entries(data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
}
