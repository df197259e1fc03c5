import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';

import { withDeadline } from './withDeadline.ts';

type AbortSignalLike = NonNullable<GetTokenOptions['abortSignal']>;

/**
 * Wraps the service identity so that every token request has a bound. Managed identity and Entra ID requests
 * have no deadline of their own, and the SDKs' bearer-token policy awaits `getToken` without racing the
 * request's abort signal: a stuck token endpoint would otherwise stall every ARM, Table storage and AKS call.
 * @param credential - the service identity
 * @param timeoutInMs - bound of one token request (KEYSYNC_AZURE_TIMEOUT_MS)
 * @returns a credential whose `getToken` rejects with `DeadlineExceededError` at the bound (or with the
 *   caller's abort reason when the caller's `abortSignal` fires first)
 */
export function boundedCredential(credential: TokenCredential, timeoutInMs: number): TokenCredential {
  return {
    getToken: (scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> =>
      withDeadline(timeoutInMs, (abortSignal) => credential.getToken(scopes, { ...options, abortSignal }), {
        what: `getting an Entra ID token (${[scopes].flat().join(' ')})`,
        signal: options?.abortSignal ? toAbortSignal(options.abortSignal) : undefined,
      }),
  };
}

/** The SDKs type signals as `AbortSignalLike`; `AbortSignal.any` needs a platform `AbortSignal`. */
function toAbortSignal(like: AbortSignalLike): AbortSignal {
  if (like instanceof AbortSignal) return like;
  const controller = new AbortController();
  const abort = () => {
    controller.abort((like as { reason?: unknown }).reason);
  };
  if (like.aborted) abort();
  else like.addEventListener('abort', abort, { once: true });
  return controller.signal;
}
