import { createInterface } from 'node:readline';

import type { KubeConfig } from '@kubernetes/client-node';
import { Watch } from '@kubernetes/client-node';

import { kubeHttpError, metadataAccept, openKubeGet } from './kubeGet.ts';
import type { WatchedObject } from './projectMetadata.ts';
import { projectMetadata } from './projectMetadata.ts';

/** Options of {@link MetadataWatch}. */
export interface MetadataWatchOptions {
  /** Applied to every watched object; {@link projectMetadata} by default. */
  readonly project?: (obj: unknown) => WatchedObject;
  /** Called when a watch request was accepted (HTTP 200). */
  readonly onConnected?: () => void;
  /** Server-side watch timeout; a random value between 5 and 10 minutes by default (as client-go does). */
  readonly timeoutSeconds?: () => number;
}

type WatchCallback = (phase: string, apiObj: unknown, watchObj?: unknown) => void;

/**
 * A `Watch` (so `ListWatch` informers can use it) that asks the metadata-only API
 * (`Accept: application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1`), so Secret data is never sent to
 * the watcher, and projects every object with {@link projectMetadata}. It requests bookmarks (the
 * resourceVersion keeps moving on quiet collections, fewer 410s), lets the apiserver end each watch after
 * `timeoutSeconds`, and treats silence longer than that plus 30 s as a dead connection (a `TimeoutError`,
 * after which `ListWatch` resumes at once from the last resourceVersion). Non-200 answers reach `done` as an
 * error with `statusCode` (410 makes `ListWatch` relist). `done` is called exactly once per watch; an abort
 * (informer stopped) ends it with `done(null)`.
 */
export class MetadataWatch extends Watch {
  readonly #kc: KubeConfig;
  readonly #options: MetadataWatchOptions;
  readonly #active = new Set<AbortController>();
  #closed = false;

  constructor(kc: KubeConfig, options: MetadataWatchOptions = {}) {
    super(kc);
    this.#kc = kc;
    this.#options = options;
  }

  /** Ends every open watch and makes later `watch` calls end at once (`done(null)`), until {@link reopen}. */
  close(): void {
    this.#closed = true;
    for (const c of this.#active) c.abort();
  }

  /** Allows watches again after {@link close}. */
  reopen(): void {
    this.#closed = false;
  }

  override async watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: WatchCallback,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    const controller = new AbortController();
    const timeoutSeconds = this.#options.timeoutSeconds?.() ?? Math.round(300 + Math.random() * 300);
    const project = this.#options.project ?? projectMetadata;
    let timer: NodeJS.Timeout | undefined;
    let finished = false;
    const finish = (err: unknown) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      controller.abort();
      done(err);
    };
    const idle = () => {
      clearTimeout(timer);
      timer = setTimeout(
        () => {
          const err = new Error(`watch ${path}: no data for ${timeoutSeconds + 30} s`);
          err.name = 'TimeoutError';
          finish(err);
        },
        (timeoutSeconds + 30) * 1000,
      );
      timer.unref();
    };
    controller.signal.addEventListener('abort', () => finish(null), { once: true });
    this.#active.add(controller);
    controller.signal.addEventListener('abort', () => this.#active.delete(controller), { once: true });
    if (this.#closed) {
      queueMicrotask(() => finish(null));
      return controller;
    }
    try {
      idle();
      const query = { ...queryParams, watch: true, allowWatchBookmarks: true, timeoutSeconds };
      const res = await openKubeGet(this.#kc, path, {
        query,
        accept: metadataAccept.watch,
        signal: controller.signal,
      });
      if (res.statusCode !== 200) {
        finish(await kubeHttpError(`watch ${path}`, res));
        return controller;
      }
      this.#options.onConnected?.();
      idle();
      res.on('data', idle);
      res.on('error', (err) => finish(controller.signal.aborted ? null : err));
      res.on('close', () => finish(null));
      const lines = createInterface({ input: res, crlfDelay: Infinity });
      // readline re-emits the response's errors: without a listener a reset connection would crash the process.
      lines.on('error', (err) => finish(controller.signal.aborted ? null : err));
      lines.on('line', (line) => {
        const event = parseEvent(line);
        if (!event) return;
        const object = event.type === 'ERROR' ? event.object : project(event.object);
        callback(event.type, object, { type: event.type, object });
      });
    } catch (err) {
      finish(controller.signal.aborted ? null : err);
    }
    return controller;
  }
}

function parseEvent(line: string): { type: string; object: unknown } | undefined {
  try {
    const e = JSON.parse(line) as { type?: unknown; object?: unknown };
    return typeof e.type === 'string' ? { type: e.type, object: e.object } : undefined;
  } catch {
    return undefined;
  }
}
