import type { IssuedKeys } from '../IssuedKeys.ts';
import type { ObservedSecret } from '../SecretObserver.ts';
import type { Violations } from '../Violations.ts';
import { shortId } from './FreshnessCheck.ts';

/**
 * Invariant (b): no regression. For every Secret data key and every issued key it has held, the generation
 * observed never goes down: a Secret seen with generation g of a key after it was seen with g' > g held an
 * older key than before (e.g. a resync's stale read written over an event's fresh one). Values that are no key
 * (a hand edit) are ignored; a deletion does not reset what was seen.
 */
export class RegressionCheck {
  readonly #ledger: IssuedKeys;
  readonly #violations: Violations;
  readonly #highest = new Map<string, { generation: number; fingerprint: string; rv: string }>();
  /** Observations checked. */
  observations = 0;

  constructor(ledger: IssuedKeys, violations: Violations) {
    this.#ledger = ledger;
    this.#violations = violations;
  }

  /**
   * Checks one observation.
   * @param s - the Secret as observed
   */
  observe(s: ObservedSecret): void {
    if (!s.data) return;
    this.observations += 1;
    for (const [dataKey, value] of s.data) {
      for (const ref of this.#ledger.identify(value)) {
        const id = `${s.cluster}/${s.namespace}/${s.name}[${dataKey}]`;
        const key = `${id}|${ref.resourceId.toLowerCase()}|${ref.keyName}`;
        const before = this.#highest.get(key);
        if (before && ref.generation < before.generation) {
          this.#violations.add(
            'b',
            `${id} went back from ${shortId(ref.resourceId)} ${ref.keyName} generation ${before.generation} ` +
              `(${before.fingerprint}, resourceVersion ${before.rv}) to generation ${ref.generation} ` +
              `(${ref.fingerprint}, resourceVersion ${s.resourceVersion})`,
            `${key}|${s.resourceVersion}`,
            s.since,
          );
          continue;
        }
        if (!before || ref.generation > before.generation) {
          this.#highest.set(key, {
            generation: ref.generation,
            fingerprint: ref.fingerprint,
            rv: s.resourceVersion,
          });
        }
      }
    }
  }
}
