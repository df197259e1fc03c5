import { describe, expect, it } from '@jest/globals';

import { ErrorCode } from '../../../shared/errors.ts';
import { fingerprintOf } from '../../../shared/keys/fingerprintOf.ts';
import { createMemoryKeyLedger } from '../../../shared/keys/KeyLedger.ts';
import { createResourceFetcher } from '../../../shared/reconcile/createResourceFetcher.ts';
import type { ResourceFetcherOptions } from '../../../shared/reconcile/createResourceFetcher.ts';
import { fakeStorageProvider, memoryLogger, storageResource } from '../../support/reconcileFixtures.ts';

function setup(extra: Partial<ResourceFetcherOptions> = {}, longRunning = false) {
  const state = { key1: 'K1', longRunning };
  const provider = fakeStorageProvider(state);
  const ledger = createMemoryKeyLedger(0);
  let clock = 1_000;
  const options: ResourceFetcherOptions = {
    ledger,
    logger: memoryLogger(),
    concurrency: 4,
    record: true,
    staleRetryDelaysInMs: [1, 1],
    now: () => (clock += 10),
    ...extra,
  };
  return { state, provider, ledger, options };
}

describe('createResourceFetcher', () => {
  it('fetches a resource once per pass for every cluster, and once more only when keys are wanted later', async () => {
    const { provider, options } = setup();
    const fetcher = createResourceFetcher(options);
    await fetcher.get(storageResource, provider, new Set(['blobEndpoint']));
    await fetcher.get(storageResource, provider, new Set(['blobEndpoint']));
    await fetcher.get(storageResource, provider, new Set(['primaryKey']));
    await fetcher.get(storageResource, provider, new Set(['primaryConnectionString', 'queueEndpoint']));
    expect(fetcher.fetches).toBe(2);
    expect(provider.fetches[1]).toEqual([...provider.valueNames].sort());
  });

  it('hands out the key generation, and a larger one after a regeneration', async () => {
    const { state, provider, options } = setup();
    const first = await createResourceFetcher(options).get(
      storageResource,
      provider,
      new Set(['primaryKey']),
    );
    state.key1 = 'K2';
    const second = await createResourceFetcher(options).get(
      storageResource,
      provider,
      new Set(['primaryKey']),
    );
    if ('error' in first || 'error' in second) throw new Error('unexpected error');
    expect(second.keys?.generation).toBeGreaterThan(first.keys?.generation ?? Infinity);
    expect(second.values.get('primaryKey')).toBe('K2');
  });

  it('does not hand out keys older than keys already seen (a stale replica): retryable StaleKeys', async () => {
    const { state, provider, options } = setup();
    await createResourceFetcher(options).get(storageResource, provider, new Set(['primaryKey']));
    state.key1 = 'K2';
    await createResourceFetcher(options).get(storageResource, provider, new Set(['primaryKey']));
    state.key1 = 'K1'; // ARM answers with the old keys again
    const r = await createResourceFetcher(options).get(storageResource, provider, new Set(['primaryKey']));
    expect(r).toMatchObject({ error: { code: ErrorCode.StaleKeys, retryable: true } });
    expect(provider.fetches).toHaveLength(2 + 3);
  });

  it('after a regenerate event, reads again until keys first seen after the event appear', async () => {
    const { state, provider, options } = setup();
    await createResourceFetcher(options).get(storageResource, provider, new Set(['primaryKey']));
    const regeneratedAt = new Map([[storageResource.key, { id: 'e1', at: 5_000 }]]);
    let reads = 0;
    const fetcher = createResourceFetcher({
      ...options,
      regeneratedAt,
      now: () => 6_000 + reads++ * 10,
      staleRetryDelaysInMs: [1, 1, 1],
    });
    const origFetch = provider.fetchValues.bind(provider);
    provider.fetchValues = async (r, w) => {
      if (provider.fetches.length === 2) state.key1 = 'K2'; // the long-running regeneration completes
      return origFetch(r, w);
    };
    const r = await fetcher.get(storageResource, provider, new Set(['primaryKey']));
    if ('error' in r) throw r.error;
    expect(r.values.get('primaryKey')).toBe('K2');
  });

  it('a dry run judges keys but records nothing', async () => {
    const { provider, ledger, options } = setup({ record: false });
    await createResourceFetcher(options).get(storageResource, provider, new Set(['primaryKey']));
    expect(ledger.history(storageResource.key)).toEqual([]);
  });

  it('a slow read that overlapped a newer read is read again, never ordered after it', async () => {
    const { state, provider, ledger, options } = setup();
    let clock = 0;
    const o = { ...options, now: () => clock };
    // A: a slow read of K1 starts at t=0 and answers at t=100.
    clock = 0;
    const release = provider.holdNextFetch();
    const slow = createResourceFetcher(o).get(storageResource, provider, new Set(['primaryKey']));
    // Meanwhile the key is regenerated, and B reads K2 between t=10 and t=20.
    state.key1 = 'K2';
    clock = 10;
    const fast = createResourceFetcher(o).get(storageResource, provider, new Set(['primaryKey']));
    await new Promise((r) => setImmediate(r));
    clock = 20;
    await fast;
    clock = 5_000;
    release();
    const a = await slow;
    if ('error' in a) throw a.error;
    // A's K1 was not recorded as newer than K2: it was read again and got K2.
    expect(a.values.get('primaryKey')).toBe('K2');
    expect(ledger.history(storageResource.key).map((s) => s.fingerprint.length)).toHaveLength(1);
  });
});

describe('createResourceFetcher, two regenerations in quick succession', () => {
  it('the second event waits for its own key state, not the first one’s, then writes the newest all the same', async () => {
    const { state, provider, ledger, options } = setup({}, true);
    let clock = 0;
    const o = { ...options, now: () => (clock += 10), staleRetryDelaysInMs: [1, 1] };
    await createResourceFetcher(o).get(storageResource, provider, new Set(['primaryKey'])); // K1 seen
    // Regeneration 1 (event e1) completes unseen; regeneration 2 (event e2) is still running.
    state.key1 = 'K2';
    const e1 = { id: 'e1', at: clock + 1 };
    clock += 100;
    const e2 = { id: 'e2', at: clock + 1 };
    clock += 100;
    // e1's own handler announced it (and read K1 while its operation ran).
    const k1 = fingerprintOf(
      new Map([
        ['primaryKey', 'K1'],
        ['secondaryKey', 'k2'],
      ]),
      provider.keyValueNames,
    );
    await ledger.observe(storageResource.key, k1, { startedAt: e1.at, endedAt: e1.at + 5 }, true, e1);
    const second = await createResourceFetcher({
      ...o,
      regeneratedAt: new Map([[storageResource.key, e2]]),
    }).get(storageResource, provider, new Set(['primaryKey']));
    // K2 is e1's result: e2 is still waiting. The newest keys are handed out, marked stale (retryable).
    if ('error' in second) throw second.error;
    expect(second.values.get('primaryKey')).toBe('K2');
    expect(second.staleness).toMatchObject({ code: ErrorCode.StaleKeys, retryable: true });
    // Regeneration 2 completes: the redelivery finds K3 and is satisfied.
    state.key1 = 'K3';
    const again = await createResourceFetcher({
      ...o,
      regeneratedAt: new Map([[storageResource.key, e2]]),
    }).get(storageResource, provider, new Set(['primaryKey']));
    if ('error' in again) throw again.error;
    expect(again.values.get('primaryKey')).toBe('K3');
    expect(again.staleness).toBeUndefined();
  });
});
