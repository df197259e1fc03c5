import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';

import { staticTokenCredential as productStaticTokenCredential } from '../../shared/arm/staticTokenCredential.ts';

/**
 * The product's fixed-token credential (shared/arm/staticTokenCredential.ts), recording every scope asked for
 * so that tests can check which audience a client requested. The simulator treats the token as the name of the
 * calling principal, so `staticTokenCredential('keysync')` calls ARM as principal `keysync`.
 * @param token - the token (principal name)
 * @returns a credential for SDK clients pointed at the simulator
 */
export function staticTokenCredential(
  token: string,
): TokenCredential & { readonly scopesRequested: string[][] } {
  const inner = productStaticTokenCredential(token);
  const scopesRequested: string[][] = [];
  return {
    scopesRequested,
    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
      scopesRequested.push(Array.isArray(scopes) ? [...scopes] : [scopes]);
      const token = await inner.getToken(scopes, options);
      if (!token) throw new Error('static token credential returned no token');
      return token;
    },
  };
}
