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

  constructor(
    model: SoakModel,
    random: Random,
    core: (cluster: string) => CoreV1Api,
    exists: (cluster: string, namespace: string, name: string) => boolean,
  ) {
    this.#model = model;
    this.#random = random;
    this.#core = core;
    this.#exists = exists;
  }

  /** One edit or deletion of an owned Secret that exists now. */
  async step(): Promise<void> {
    const targets = this.#model
      .expectations()
      .filter((e) => this.#exists(e.cluster, e.namespace, e.secretName));
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
