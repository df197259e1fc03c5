import { fingerprint } from '../IssuedKeys.ts';
import type { Violations } from '../Violations.ts';

/** Length of the shortest piece of a key that counts as a leak (a third of a Storage key, most of a Redis one). */
export const leakWindow = 32;

const base64Run = new RegExp(`[A-Za-z0-9+/]{${leakWindow},}`, 'g');

/** A text source: its name, and its lines so far (scanned incrementally when `growing`). */
export interface LeakSource {
  readonly name: string;
  readonly lines: () => readonly string[];
  /** Append-only (logs): only new lines are scanned each time. Otherwise the whole snapshot is. */
  readonly growing: boolean;
}

/**
 * Invariant (d): no key value the simulator issued appears in any log line, HTTP report, KeyBinding status or
 * Event of the run. Stronger than a substring test of whole keys: any run of {@link leakWindow} characters of a
 * key counts, also after URL-decoding and JSON unescaping.
 */
export class LeakCheck {
  readonly #keys: () => readonly string[];
  readonly #violations: Violations;
  readonly #sources: LeakSource[] = [];
  readonly #scanned = new Map<string, number>();
  #windows = new Map<string, string>();
  #indexed = 0;
  /** Lines scanned so far. */
  lines = 0;

  /**
   * @param keys - every key value issued so far (the simulator's `keyValues`)
   * @param violations - where leaks go
   */
  constructor(keys: () => readonly string[], violations: Violations) {
    this.#keys = keys;
    this.#violations = violations;
  }

  /** Adds a source to scan. */
  add(source: LeakSource): void {
    this.#sources.push(source);
  }

  /** Scans what is new in every source. */
  scan(): void {
    this.#index();
    for (const s of this.#sources) {
      const lines = s.lines();
      const from = s.growing ? (this.#scanned.get(s.name) ?? 0) : 0;
      for (let i = from; i < lines.length; i++) this.#scanLine(s.name, lines[i] ?? '');
      this.#scanned.set(s.name, lines.length);
    }
  }

  #index(): void {
    const keys = this.#keys();
    for (let k = this.#indexed; k < keys.length; k++) {
      const key = keys[k] ?? '';
      for (let i = 0; i + leakWindow <= key.length; i++) this.#windows.set(key.slice(i, i + leakWindow), key);
    }
    this.#indexed = keys.length;
  }

  #scanLine(source: string, line: string): void {
    this.lines += 1;
    const variants = [line];
    if (line.includes('\\/')) variants.push(line.replaceAll('\\/', '/'));
    if (line.includes('%')) {
      try {
        variants.push(decodeURIComponent(line));
      } catch {
        // not URL-encoded after all
      }
    }
    for (const text of variants) {
      for (const m of text.matchAll(base64Run)) {
        const key = this.#keyIn(m[0]);
        if (!key) continue;
        const fp = fingerprint(key);
        this.#violations.add('d', `key ${fp} appears in ${source}`, `${source}|${fp}`);
      }
    }
  }

  /** The issued key a base64 run holds a {@link leakWindow}-long piece of, if any. */
  #keyIn(run: string): string | undefined {
    for (let i = 0; i + leakWindow <= run.length; i++) {
      const key = this.#windows.get(run.slice(i, i + leakWindow));
      if (key) return key;
    }
    return undefined;
  }
}
