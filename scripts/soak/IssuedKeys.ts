import { createHash } from 'node:crypto';

import type { KeyHistory } from '../../testkit/armSimulator/ArmSimulator.ts';

/** One key value the simulator issued: whose, which key, and which generation (0 = the value at creation). */
export interface KeyRef {
  readonly resourceId: string;
  /** The simulator's key name: `key1`, `primaryMasterKey`, `primaryKey`... */
  readonly keyName: string;
  readonly generation: number;
  /** A short SHA-256 fingerprint of the value (reports show this, never the value). */
  readonly fingerprint: string;
}

/** Base64 runs long enough to be a key (Redis keys are 44 characters, Storage and Cosmos DB ones 88). */
const keyLike = /[A-Za-z0-9+/]{40,}={0,2}/g;

/**
 * Everything the ARM simulator issued, indexed by value: tells which resource, key and generation a Secret's
 * data holds (a raw key or a connection string embedding one), so observations can be ordered (invariant b)
 * and compared with the current keys (invariant a). Refreshes itself from the simulator's key history when it
 * meets a key-like value it does not know yet.
 */
export class IssuedKeys {
  readonly #history: (resourceId: string) => KeyHistory;
  readonly #resourceIds: readonly string[];
  #byValue = new Map<string, KeyRef>();

  /**
   * @param history - the simulator's `keyHistory`
   * @param resourceIds - the resources to index
   */
  constructor(history: (resourceId: string) => KeyHistory, resourceIds: readonly string[]) {
    this.#history = history;
    this.#resourceIds = resourceIds;
    this.refresh();
  }

  /** Re-reads the simulator's history. */
  refresh(): void {
    const byValue = new Map<string, KeyRef>();
    for (const resourceId of this.#resourceIds) {
      for (const [keyName, values] of Object.entries(this.#history(resourceId))) {
        values.forEach((value, generation) =>
          byValue.set(value, { resourceId, keyName, generation, fingerprint: fingerprint(value) }),
        );
      }
    }
    this.#byValue = byValue;
  }

  /**
   * The issued keys a text holds (a whole key, or a connection string with one inside).
   * @param text - a decoded Secret value
   */
  identify(text: string): KeyRef[] {
    const found = this.#lookup(text);
    if (found.unknown) {
      this.refresh();
      return this.#lookup(text).refs;
    }
    return found.refs;
  }

  /**
   * The current value's generation and fingerprint of one key.
   * @param resourceId - the resource
   * @param keyName - the simulator's key name
   */
  current(resourceId: string, keyName: string): KeyRef | undefined {
    const values = this.#history(resourceId)[keyName];
    const value = values?.at(-1);
    if (!values || value === undefined) return undefined;
    return { resourceId, keyName, generation: values.length - 1, fingerprint: fingerprint(value) };
  }

  #lookup(text: string): { refs: KeyRef[]; unknown: boolean } {
    const refs: KeyRef[] = [];
    let unknown = false;
    const exact = this.#byValue.get(text);
    if (exact) return { refs: [exact], unknown: false };
    for (const m of text.matchAll(keyLike)) {
      const ref = this.#byValue.get(m[0]);
      if (ref) refs.push(ref);
      else if (m[0].length === 44 || m[0].length === 88) unknown = true;
    }
    return { refs, unknown };
  }
}

/**
 * A short, one-way fingerprint of a value, for reports.
 * @param value - key material
 */
export function fingerprint(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 10);
}
