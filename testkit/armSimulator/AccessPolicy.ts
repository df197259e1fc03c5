import { simPrincipal, type SimPrincipal } from './SimPrincipal.ts';

/**
 * Who a token is and what they may not do. Tokens map to principal names (an unmapped token is a principal of
 * its own, named by the token). Everything is allowed except the actions denied per principal.
 */
export class AccessPolicy {
  readonly #tokens: Map<string, string>;
  readonly #denied = new Map<string, string[]>();

  /**
   * @param tokens - token -> principal name
   * @param denied - principal name -> denied actions (see {@link deny})
   */
  constructor(
    tokens: Readonly<Record<string, string>> = {},
    denied: Readonly<Record<string, readonly string[]>> = {},
  ) {
    this.#tokens = new Map(Object.entries(tokens));
    for (const [principal, actions] of Object.entries(denied)) this.deny(principal, actions);
  }

  /** The principal a bearer token stands for. */
  principalFor(token: string): SimPrincipal {
    return simPrincipal(this.#tokens.get(token) ?? token);
  }

  /**
   * Denies actions to a principal (adds to what is already denied).
   * @param principal - principal name
   * @param actions - operation names, case-insensitive; a trailing `*` matches any suffix
   *   (`Microsoft.Storage/*`, or `*` for everything)
   */
  deny(principal: string, actions: readonly string[]): void {
    const key = principal.toLowerCase();
    this.#denied.set(key, [...(this.#denied.get(key) ?? []), ...actions.map((a) => a.toLowerCase())]);
  }

  /** Lifts the denials of one principal, or of everyone. */
  clear(principal?: string): void {
    if (principal === undefined) this.#denied.clear();
    else this.#denied.delete(principal.toLowerCase());
  }

  /** Whether `operation` is denied to `principal`. */
  isDenied(principal: string, operation: string): boolean {
    const op = operation.toLowerCase();
    return (this.#denied.get(principal.toLowerCase()) ?? []).some((pattern) =>
      pattern.endsWith('*') ? op.startsWith(pattern.slice(0, -1)) : op === pattern,
    );
  }
}
