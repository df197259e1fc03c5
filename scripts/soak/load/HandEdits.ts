import type { CoreV1Api } from '@kubernetes/client-node';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';

import type { Random } from '../Random.ts';
import type { SoakModel } from '../SoakModel.ts';

/**
 * Owned Secrets edited and deleted by hand, as admin (`kubectl edit` / `kubectl delete`): the watch path must
 * put them back. An edit overwrites one data key with a value that is no key.
 */
export class HandEdits {
  edited = 0;
  deleted = 0;
  readonly #model: SoakModel;
  readonly #random: Random;
  readonly #core: (cluster: string) => CoreV1Api;
  readonly #exists: (cluster: string, namespace: string, name: string) => boolean;
  readonly #preferQuiet: () => boolean;

  /**
   * @param o - the soak's model, randomness, admin clients per cluster, whether a Secret exists now, and
   *   whether to favour Secrets of quiet resources now
   */
  constructor(o: {
    model: SoakModel;
    random: Random;
    core: (cluster: string) => CoreV1Api;
    exists: (cluster: string, namespace: string, name: string) => boolean;
    preferQuiet: () => boolean;
  }) {
    this.#model = o.model;
    this.#random = o.random;
    this.#core = o.core;
    this.#exists = o.exists;
    this.#preferQuiet = o.preferQuiet;
  }

  /** One edit or deletion of an owned Secret that exists now. */
  async step(): Promise<void> {
    let targets = this.#model
      .expectations()
      .filter((e) => this.#exists(e.cluster, e.namespace, e.secretName));
    const quiet = new Set(this.#model.resources.filter((r) => r.quiet).map((r) => r.id));
    const ofQuiet = targets.filter((e) => quiet.has(e.resourceId));
    if (ofQuiet.length > 0 && this.#preferQuiet() && this.#random.chance(0.7)) targets = ofQuiet;
    if (targets.length === 0) return;
    const t = this.#random.pick(targets);
    const core = this.#core(t.cluster);
    if (this.#random.chance(0.65)) {
      const junk = Buffer.from(`edited-by-hand-${this.edited}`).toString('base64');
      await core.patchNamespacedSecret(
        { namespace: t.namespace, name: t.secretName, body: { data: { [t.dataKey]: junk } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      this.edited += 1;
    } else {
      await core.deleteNamespacedSecret({ namespace: t.namespace, name: t.secretName });
      this.deleted += 1;
    }
  }
}
