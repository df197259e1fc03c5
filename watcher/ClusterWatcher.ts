import { setTimeout as sleep } from 'node:timers/promises';

import type { Logger } from '../shared/logging.ts';
import { errorFields, silentLogger } from '../shared/logging.ts';
import { ownership } from '../shared/kube/ownership.ts';
import type { WatchEventType, WatchKind } from '../shared/watch/WatchMessage.ts';
import { watchMessageSchema, watchMessageVersion } from '../shared/watch/WatchMessage.ts';
import type { InformerFactory, WatchedResource, WatchInformer } from './kubeInformers.ts';
import { watchedResources } from './kubeInformers.ts';
import type { WatchedObject } from './projectMetadata.ts';
import type { PublishCounters } from './PublishBuffer.ts';
import { PublishBuffer } from './PublishBuffer.ts';
import type { WatchPublisher } from './WatchPublisher.ts';
import { isDnsSubdomain } from '../shared/kube/names.ts';
import { Backoff } from './Backoff.ts';

/** Options of {@link ClusterWatcher}. */
export interface ClusterWatcherOptions {
  /** The name the cluster is registered under (it goes into every message). */
  readonly cluster: string;
  readonly informers: InformerFactory;
  readonly publisher: WatchPublisher;
  /** Watch one namespace only; all namespaces by default. */
  readonly namespace?: string | undefined;
  readonly logger?: Logger;
  /** See {@link PublishBuffer}. Default 500 ms. */
  readonly coalesceMs?: number;
  /** Publish retry backoff (first delay, cap). Default 1 s, 30 s. */
  readonly publishRetry?: { readonly initialMs: number; readonly maxMs: number };
  /** Backoff before an informer that failed (apiserver unreachable, 403, 404) is started again. Default 1 s, 30 s. */
  readonly restartBackoff?: { readonly initialMs: number; readonly maxMs: number };
  /** An informer failing for longer than this makes {@link ClusterWatcher.health} unhealthy. Default 2 min. */
  readonly unhealthyAfterMs?: number;
  readonly now?: () => number;
}

/** Counters exposed on `/metrics`. */
export interface WatcherCounters extends PublishCounters {
  /** Informer events received, per kind. */
  readonly events: Readonly<Record<WatchKind, number>>;
  /** KeyBinding updates that changed no spec (status writes, labels): not published. */
  readonly ignoredStatusOnly: number;
  /** Successful lists: the first of each informer, then one per relist (410 Gone, restart). */
  readonly lists: number;
  /** Watch requests accepted. */
  readonly watchConnects: number;
  /** Informer failures (each followed by a restart with backoff). */
  readonly watchErrors: number;
  /** Objects that could not be described by a valid message (skipped). */
  readonly invalidObjects: number;
  /** Messages waiting to be published. */
  readonly pending: number;
}

/** Health of one informer. */
export interface InformerHealth {
  readonly kind: WatchKind;
  /** Listed at least once. */
  readonly synced: boolean;
  /** A watch is open. */
  readonly connected: boolean;
  readonly objects: number;
  readonly failingSince?: string;
  readonly lastError?: string;
}

/** What `/healthz` reports. */
export interface WatcherHealth {
  /** Started, not stopped, every informer synced and none failing for longer than `unhealthyAfterMs`. */
  readonly healthy: boolean;
  readonly cluster: string;
  readonly informers: readonly InformerHealth[];
  readonly pending: number;
  /** Set while publishing fails (the queue is unreachable); does not make the watcher unhealthy. */
  readonly publishFailingSince?: string;
  readonly lastPublishedAt?: string;
}

interface InformerState {
  readonly resource: WatchedResource;
  readonly informer: WatchInformer;
  synced: boolean;
  connected: boolean;
  failingSince?: number | undefined;
  lastError?: string | undefined;
  readonly backoff: Backoff;
  restartTimer?: NodeJS.Timeout | undefined;
}

type MutableCounters = {
  -readonly [K in keyof Omit<WatcherCounters, keyof PublishCounters | 'events' | 'pending'>]: number;
} & { events: Record<WatchKind, number> };

/**
 * Watches one cluster and publishes a versioned watch message (identifiers only) whenever a KeyBinding is
 * added, deleted or changes its spec (generation), and whenever a Secret carrying our managed-by label is
 * added, changed or deleted. Informers resume from the last resourceVersion after a dropped watch, relist
 * on 410 Gone (deletions missed meanwhile are reported), and are restarted with backoff after any failure.
 * Messages go through a {@link PublishBuffer} (coalescing per object, retry without losing the latest state).
 */
export class ClusterWatcher {
  readonly #options: ClusterWatcherOptions;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #buffer: PublishBuffer;
  readonly #states: InformerState[];
  readonly #generations = new Map<string, { uid: string | undefined; generation: number | undefined }>();
  readonly #counters: MutableCounters = {
    events: { KeyBinding: 0, Secret: 0 },
    ignoredStatusOnly: 0,
    lists: 0,
    watchConnects: 0,
    watchErrors: 0,
    invalidObjects: 0,
  };
  #started = false;
  #stopped = false;

  constructor(options: ClusterWatcherOptions) {
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
    this.#now = options.now ?? Date.now;
    this.#buffer = new PublishBuffer({
      publisher: options.publisher,
      logger: this.#logger,
      now: this.#now,
      ...(options.coalesceMs !== undefined ? { coalesceMs: options.coalesceMs } : {}),
      ...(options.publishRetry
        ? { retryInitialMs: options.publishRetry.initialMs, retryMaxMs: options.publishRetry.maxMs }
        : {}),
    });
    this.#states = watchedResources(options.namespace).map((resource) => this.#createState(resource));
  }

  /** Starts both informers (their first list and watch). Failures are retried in the background. */
  async start(): Promise<void> {
    if (this.#stopped) throw new Error('a stopped ClusterWatcher cannot be started again');
    this.#started = true;
    this.#logger.info(
      { cluster: this.#options.cluster, namespace: this.#options.namespace ?? '(all)' },
      'watcher starting',
    );
    await Promise.all(this.#states.map((s) => this.#startInformer(s)));
  }

  /**
   * Resolves once both informers have listed at least once.
   * @param timeoutInMs - bound
   * @throws Error naming the informers' last errors when the bound passes
   */
  async waitUntilSynced(timeoutInMs = 30_000): Promise<void> {
    const deadline = this.#now() + timeoutInMs;
    while (!this.#states.every((s) => s.synced)) {
      if (this.#now() > deadline) {
        const why = this.#states.map(
          (s) => `${s.resource.kind}: ${s.lastError ?? (s.synced ? 'synced' : 'not listed')}`,
        );
        throw new Error(
          `watcher for ${this.#options.cluster} not synced after ${timeoutInMs} ms (${why.join('; ')})`,
        );
      }
      await sleep(50);
    }
  }

  /** A snapshot of the counters. */
  counters(): WatcherCounters {
    return {
      ...this.#counters,
      events: { ...this.#counters.events },
      ...this.#buffer.counters,
      pending: this.#buffer.pending,
    };
  }

  /** Health for `/healthz`. */
  health(): WatcherHealth {
    const now = this.#now();
    const limit = this.#options.unhealthyAfterMs ?? 120_000;
    const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());
    const informers = this.#states.map((s) => ({
      kind: s.resource.kind,
      synced: s.synced,
      connected: s.connected,
      objects: s.informer.list().length,
      ...(s.failingSince !== undefined ? { failingSince: iso(s.failingSince) } : {}),
      ...(s.lastError ? { lastError: s.lastError } : {}),
    }));
    const healthy =
      this.#started &&
      !this.#stopped &&
      this.#states.every((s) => s.synced && (s.failingSince === undefined || now - s.failingSince < limit));
    return {
      healthy,
      cluster: this.#options.cluster,
      informers,
      pending: this.#buffer.pending,
      ...(this.#buffer.failingSince !== undefined
        ? { publishFailingSince: iso(this.#buffer.failingSince) }
        : {}),
      ...(this.#buffer.lastPublishedAt !== undefined
        ? { lastPublishedAt: iso(this.#buffer.lastPublishedAt) }
        : {}),
    };
  }

  /**
   * Stops the informers, then tries once to publish what is still waiting (bounded).
   * @param options - `flushTimeoutInMs` bounds the final publish (default 5 s)
   * @returns true when nothing was left unpublished
   */
  async stop(options: { readonly flushTimeoutInMs?: number } = {}): Promise<boolean> {
    this.#stopped = true;
    for (const s of this.#states) clearTimeout(s.restartTimer);
    await Promise.all(this.#states.map((s) => s.informer.stop()));
    let timer: NodeJS.Timeout | undefined;
    const flushed = await Promise.race([
      this.#buffer.flush(),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), options.flushTimeoutInMs ?? 5_000);
      }),
    ]);
    clearTimeout(timer);
    this.#buffer.stop();
    if (!flushed) {
      this.#logger.warn(
        { cluster: this.#options.cluster, pending: this.#buffer.pending },
        'watcher stopped with unpublished messages; the next start lists everything again',
      );
    }
    return flushed;
  }

  #createState(resource: WatchedResource): InformerState {
    const restart = this.#options.restartBackoff ?? { initialMs: 1_000, maxMs: 30_000 };
    const state: InformerState = {
      resource,
      synced: false,
      connected: false,
      backoff: new Backoff(restart.initialMs, restart.maxMs),
      informer: this.#options.informers(resource, {
        onListed: () => {
          this.#counters.lists += 1;
          state.synced = true;
          this.#recovered(state);
        },
        onConnected: () => {
          this.#counters.watchConnects += 1;
          state.connected = true;
          this.#recovered(state);
        },
      }),
    };
    const kind = resource.kind;
    state.informer.on('add', (o) => this.#onEvent(kind, 'added', o));
    state.informer.on('update', (o) => this.#onEvent(kind, 'modified', o));
    state.informer.on('delete', (o) => this.#onEvent(kind, 'deleted', o));
    state.informer.on('error', (err: unknown) => this.#onError(state, err));
    return state;
  }

  async #startInformer(state: InformerState): Promise<void> {
    try {
      await state.informer.start();
    } catch (err) {
      this.#onError(state, err);
    }
  }

  #recovered(state: InformerState): void {
    if (state.failingSince !== undefined) {
      this.#logger.info({ cluster: this.#options.cluster, kind: state.resource.kind }, 'watch recovered');
    }
    state.failingSince = undefined;
    state.lastError = undefined;
    state.backoff.reset();
  }

  #onError(state: InformerState, err: unknown): void {
    if (this.#stopped) return;
    this.#counters.watchErrors += 1;
    state.connected = false;
    state.failingSince ??= this.#now();
    state.lastError = err instanceof Error ? err.message.slice(0, 300) : 'unknown error';
    const retryInMs = state.backoff.next();
    this.#logger.warn(
      {
        cluster: this.#options.cluster,
        kind: state.resource.kind,
        retryInMs,
        ...errorFields(err),
      },
      'watch failed; restarting the informer',
    );
    clearTimeout(state.restartTimer);
    state.restartTimer = setTimeout(() => {
      state.restartTimer = undefined;
      if (!this.#stopped) void this.#startInformer(state);
    }, retryInMs);
    state.restartTimer.unref();
  }

  #onEvent(kind: WatchKind, eventType: WatchEventType, obj: WatchedObject): void {
    if (this.#stopped) return;
    this.#counters.events[kind] += 1;
    const m = obj.metadata;
    const key = `${kind}/${m.namespace ?? ''}/${m.name ?? ''}`;
    if (kind === 'KeyBinding' && this.#statusOnly(key, eventType, m)) {
      this.#counters.ignoredStatusOnly += 1;
      return;
    }
    const owner = kind === 'Secret' ? ownerOf(obj) : undefined;
    const parsed = watchMessageSchema.safeParse({
      version: watchMessageVersion,
      cluster: this.#options.cluster,
      kind,
      eventType,
      namespace: m.namespace,
      name: m.name,
      resourceVersion: m.resourceVersion,
      observedAt: new Date(this.#now()).toISOString(),
      ...(m.uid ? { uid: m.uid } : {}),
      ...(kind === 'KeyBinding' && typeof m.generation === 'number' ? { generation: m.generation } : {}),
      ...(owner ? { owner } : {}),
    });
    if (!parsed.success) {
      this.#counters.invalidObjects += 1;
      this.#logger.warn(
        { cluster: this.#options.cluster, kind, key },
        'object cannot be described by a watch message',
      );
      return;
    }
    this.#buffer.put(key, parsed.data);
  }

  /** Records a KeyBinding's generation; true for an update that changed no spec (e.g. our own status write). */
  #statusOnly(key: string, eventType: WatchEventType, m: WatchedObject['metadata']): boolean {
    const last = this.#generations.get(key);
    if (eventType === 'deleted') {
      this.#generations.delete(key);
      return false;
    }
    this.#generations.set(key, { uid: m.uid, generation: m.generation });
    return eventType === 'modified' && last?.uid === m.uid && last?.generation === m.generation;
  }
}

/** The KeyBinding a Secret belongs to: our binding annotation, else its KeyBinding ownerReference. */
function ownerOf(obj: WatchedObject): string | undefined {
  const annotated = obj.metadata.annotations?.[ownership.bindingAnnotation];
  const candidate = annotated ?? obj.metadata.ownerReferences?.find((r) => r.kind === 'KeyBinding')?.name;
  return candidate && isDnsSubdomain(candidate) ? candidate : undefined;
}
