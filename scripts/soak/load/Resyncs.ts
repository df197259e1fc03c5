import type { ReportedResync } from '../checks/ThrottleCheck.ts';
import type { Random } from '../Random.ts';
import type { SoakStack } from '../startSoakStack.ts';

/**
 * Resyncs racing the event and watch paths (the interleavings that can write an older key over a newer one):
 * the timer-triggered full resync and `POST /api/resync` with random filters (a namespace, a resource, a
 * cluster; sometimes a dry run), through the real handlers.
 */
export class Resyncs {
  readonly resyncs: ReportedResync[] = [];
  scheduled = 0;
  http = 0;
  /** HTTP resyncs that did not answer 200. */
  httpFailed = 0;
  /** Bindings reported `error` or `conflict` in HTTP resync reports (faults make some expected). */
  bindingErrors = 0;
  readonly #stack: SoakStack;
  readonly #random: Random;
  readonly #resourceIds: readonly string[];

  constructor(stack: SoakStack, random: Random, resourceIds: readonly string[]) {
    this.#stack = stack;
    this.#random = random;
    this.#resourceIds = resourceIds;
  }

  /** One timer-triggered full resync. */
  async scheduledStep(): Promise<void> {
    this.scheduled += 1;
    await this.#stack.scheduledResync();
  }

  /** One HTTP resync with a random filter. */
  async httpStep(): Promise<void> {
    const r = this.#random;
    const filter = r.pick(['none', 'namespace', 'resource', 'cluster'] as const);
    const body: Record<string, unknown> = {};
    if (filter === 'namespace') body.namespace = r.pick(this.#stack.namespaces);
    if (filter === 'resource') body.resourceId = r.pick(this.#resourceIds);
    if (filter === 'cluster') body.cluster = r.pick(this.#stack.clusters).name;
    if (r.chance(0.25)) body.dryRun = true;
    this.http += 1;
    const startedAt = Date.now();
    const res = await this.#stack.resync(body);
    this.resyncs.push({ startedAt, endedAt: Date.now(), report: res.report });
    if (res.status !== 200) this.httpFailed += 1;
    this.bindingErrors += (res.report?.totals.error ?? 0) + (res.report?.totals.conflict ?? 0);
  }

  /** Resyncs done in all. */
  total(): number {
    return this.scheduled + this.http;
  }
}
