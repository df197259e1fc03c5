import type { AccessToken, TokenCredential } from '@azure/identity';

/**
 * A credential that always returns one fixed bearer token: local development and tests against the ARM
 * simulator only (`KEYSYNC_DEV_BEARER_TOKEN`), where the token names the calling principal.
 * @param token - the token
 */
export function staticTokenCredential(token: string): TokenCredential {
  return {
    getToken: (): Promise<AccessToken> =>
      Promise.resolve({ token, expiresOnTimestamp: Date.now() + 3_600_000, tokenType: 'Bearer' }),
  };
}
