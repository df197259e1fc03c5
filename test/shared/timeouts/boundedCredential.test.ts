import { describe, expect, it } from '@jest/globals';
import type { TokenCredential } from '@azure/core-auth';

import { boundedCredential } from '../../../shared/timeouts/boundedCredential.ts';
import { isDeadlineExceeded } from '../../../shared/timeouts/withDeadline.ts';

describe('boundedCredential', () => {
  it('fails a token request that never answers within the bound, naming the scope', async () => {
    const stuck: TokenCredential = { getToken: () => new Promise(() => {}) };
    const started = Date.now();
    const err = await boundedCredential(stuck, 150)
      .getToken('https://management.azure.com/.default')
      .catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(isDeadlineExceeded(err)).toBe(true);
    expect((err as Error).message).toBe(
      'getting an Entra ID token (https://management.azure.com/.default) timed out after 150 ms',
    );
  });

  it('hands the credential an abort signal that fires at the bound', async () => {
    let signal: { aborted: boolean } | undefined;
    const honouring: TokenCredential = {
      getToken: (_scopes, options) => {
        signal = options?.abortSignal;
        return new Promise((_resolve, reject) =>
          options?.abortSignal?.addEventListener('abort', () => reject(new Error('aborted by signal'))),
        );
      },
    };
    const err = await boundedCredential(honouring, 100)
      .getToken('scope/.default')
      .catch((e: unknown) => e);
    expect(signal?.aborted).toBe(true);
    expect(isDeadlineExceeded(err)).toBe(true);
  });

  it('returns the token and keeps the caller’s options', async () => {
    let tenant: string | undefined;
    const fine: TokenCredential = {
      getToken: (_scopes, options) => {
        tenant = options?.tenantId;
        return Promise.resolve({ token: 't', expiresOnTimestamp: Date.now() + 60_000 });
      },
    };
    await expect(boundedCredential(fine, 1_000).getToken('s', { tenantId: 'x' })).resolves.toMatchObject({
      token: 't',
    });
    expect(tenant).toBe('x');
  });

  it('gives way to the caller’s own cancellation', async () => {
    const stuck: TokenCredential = { getToken: () => new Promise(() => {}) };
    const caller = new AbortController();
    const pending = boundedCredential(stuck, 10_000).getToken('s', { abortSignal: caller.signal });
    caller.abort(new Error('request cancelled'));
    await expect(pending).rejects.toThrow('request cancelled');
  });
});
