import type { AccessToken, TokenCredential } from '@azure/identity';

/**
 * A `TokenCredential` that always returns the same bearer token: the simulator treats the token as the name of
 * the calling principal, so `staticTokenCredential('keysync')` calls ARM as principal `keysync`.
 * @param token - the token (principal name)
 * @returns a credential for SDK clients pointed at the simulator
 */
export function staticTokenCredential(
  token: string,
): TokenCredential & { readonly scopesRequested: string[][] } {
  const scopesRequested: string[][] = [];
  return {
    scopesRequested,
    getToken(scopes: string | string[]): Promise<AccessToken> {
      scopesRequested.push(Array.isArray(scopes) ? [...scopes] : [scopes]);
      return Promise.resolve({ token, expiresOnTimestamp: Date.now() + 3600_000, tokenType: 'Bearer' });
    },
  };
}
