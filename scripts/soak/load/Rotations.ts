import type { ArmSimulator } from '../../../testkit/armSimulator/ArmSimulator.ts';
import type { FreshnessCheck } from '../checks/FreshnessCheck.ts';
import type { Random } from '../Random.ts';
import type { SoakModel, SoakResource } from '../SoakModel.ts';
import { regenerations } from '../SoakModel.ts';

/**
 * Key regenerations on the simulator, as `az ... keys renew/regenerate` would do them: every key kind of every
 * type (Storage key1/key2, Cosmos DB primary/secondary/read-only ones as a long-running operation, Redis
 * primary/secondary), mostly keys that are bound somewhere. One key is never regenerated twice at once (its
 * generation must be known to time its pickup). Quiet resources are left alone once the faults stopped.
 */
export class Rotations {
  /** Regenerations that failed (the simulator refused or stopped). */
  failed = 0;
  /** Regenerations done, per resource kind. */
  readonly counts: Record<SoakResource['kind'], number> = { storage: 0, cosmos: 0, redis: 0 };
  readonly #sim: ArmSimulator;
  readonly #model: SoakModel;
  readonly #freshness: FreshnessCheck;
  readonly #random: Random;
  readonly #phase: () => 'chaos' | 'calm';
  readonly #preferQuiet: () => boolean;
  readonly #inFlight = new Set<string>();
  readonly #pending = new Set<Promise<void>>();

  /**
   * @param o - the simulator, the soak's model, the freshness check to register rotations with, randomness,
   *   the current phase (rotations are timed per phase), and whether to favour quiet resources now (the end of
   *   the chaos phase, when no resync can rescue a dropped rotation)
   */
  constructor(o: {
    sim: ArmSimulator;
    model: SoakModel;
    freshness: FreshnessCheck;
    random: Random;
    phase: () => 'chaos' | 'calm';
    preferQuiet: () => boolean;
  }) {
    this.#sim = o.sim;
    this.#model = o.model;
    this.#freshness = o.freshness;
    this.#random = o.random;
    this.#phase = o.phase;
    this.#preferQuiet = o.preferQuiet;
  }

  /** Starts one regeneration (not awaited: a Cosmos DB one takes a second). */
  step(): Promise<void> {
    const bound = new Set(this.#model.expectations().map((e) => `${e.resourceId}|${e.keyName}`));
    const calm = this.#phase() === 'calm';
    const all = this.#model.resources
      .filter((resource) => !(calm && resource.quiet))
      .flatMap((resource) => regenerations[resource.kind].map((g) => ({ resource, ...g })));
    const free = all.filter((c) => !this.#inFlight.has(`${c.resource.id}|${c.keyName}`));
    const boundFree = free.filter((c) => bound.has(`${c.resource.id}|${c.keyName}`));
    let pool = boundFree.length > 0 && this.#random.chance(0.85) ? boundFree : free;
    const quiet = pool.filter((c) => c.resource.quiet);
    if (quiet.length > 0 && this.#preferQuiet() && this.#random.chance(0.7)) pool = quiet;
    if (pool.length === 0) return Promise.resolve();
    // A resource first, then one of its keys: every type gets its share (Cosmos DB has four keys, Storage two).
    const resource = this.#random.pick([...new Set(pool.map((c) => c.resource))]);
    const choice = this.#random.pick(pool.filter((c) => c.resource === resource));
    const key = `${choice.resource.id}|${choice.keyName}`;
    this.#inFlight.add(key);
    const startedAt = Date.now();
    const phase = this.#phase();
    const done = this.#sim
      .regenerateKey(choice.resource.id, choice.which)
      .then(() => {
        this.counts[choice.resource.kind] += 1;
        const history = this.#sim.keyHistory(choice.resource.id)[choice.keyName] ?? [];
        this.#freshness.rotated({
          resourceId: choice.resource.id,
          keyName: choice.keyName,
          generation: history.length - 1,
          startedAt,
          phase,
        });
      })
      .catch(() => {
        this.failed += 1;
      })
      .finally(() => {
        this.#inFlight.delete(key);
        this.#pending.delete(done);
      });
    this.#pending.add(done);
    return Promise.resolve();
  }

  /** Waits for regenerations still running. */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
  }

  /** Regenerations done in all. */
  total(): number {
    return this.counts.storage + this.counts.cosmos + this.counts.redis;
  }
}
