import type { CustomObjectsApi } from '@kubernetes/client-node';

import type { Random } from '../Random.ts';
import type { SoakBinding, SoakModel } from '../SoakModel.ts';
import { createKeyBinding, deleteKeyBinding, setKeyBindingSpec } from './keyBindings.ts';
import { randomSpec } from './planBindings.ts';
import type { Slot } from './planBindings.ts';

/**
 * KeyBindings created, changed (other values, other Secrets) and deleted while everything else goes on, as
 * their users would (admin client). At most `maxAlive` churn bindings exist at once; names are never reused.
 */
export class BindingChurn {
  created = 0;
  changed = 0;
  deleted = 0;
  readonly #model: SoakModel;
  readonly #random: Random;
  readonly #custom: (cluster: string) => CustomObjectsApi;
  readonly #slots: readonly Slot[];
  readonly #maxAlive: number;
  #next = 0;

  /**
   * @param o - the soak's model, randomness, admin clients per cluster, where bindings may live, and how many
   *   churn bindings may exist at once (default 3)
   */
  constructor(o: {
    model: SoakModel;
    random: Random;
    custom: (cluster: string) => CustomObjectsApi;
    slots: readonly Slot[];
    maxAlive?: number;
  }) {
    this.#model = o.model;
    this.#random = o.random;
    this.#custom = o.custom;
    this.#slots = o.slots;
    this.#maxAlive = o.maxAlive ?? 3;
  }

  /** One create, change or delete. */
  async step(): Promise<void> {
    const alive = this.#model.bindings().filter((b) => b.churn);
    const roll = this.#random.next();
    if (alive.length === 0 || (alive.length < this.#maxAlive && roll < 0.45)) return this.#create();
    const b = this.#random.pick(alive);
    if (roll < 0.75) return this.#change(b);
    await deleteKeyBinding(this.#custom(b.cluster), b.namespace, b.name);
    this.#model.remove(b);
    this.deleted += 1;
  }

  async #create(): Promise<void> {
    const slot = this.#random.pick(this.#slots);
    const resource = this.#random.pick(this.#model.resources);
    const name = `churn-${this.#next++}`;
    const spec = randomSpec(this.#random, resource, name);
    await createKeyBinding(this.#custom(slot.cluster), slot.namespace, name, spec);
    this.#model.put({ ...slot, name, resource, spec, specSince: Date.now(), valid: true, churn: true });
    this.created += 1;
  }

  async #change(b: SoakBinding): Promise<void> {
    const spec = randomSpec(this.#random, b.resource, b.name);
    await setKeyBindingSpec(this.#custom(b.cluster), b.namespace, b.name, spec);
    b.spec = spec;
    b.specSince = Date.now();
    this.#model.put(b);
    this.changed += 1;
  }
}
