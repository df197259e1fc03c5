import { describe, expect, it } from '@jest/globals';

import { parseResourceId } from '../../../shared/arm/parseResourceId.ts';
import { createMemoryKeyFingerprintStore } from '../../../shared/keys/KeyFingerprintStore.ts';
import type { KeyProvider } from '../../../shared/keys/KeyProvider.ts';
import { fingerprintOf, trackKeyFingerprints } from '../../../shared/keys/trackKeyFingerprints.ts';

const resource = parseResourceId(
  '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st',
);

/** A provider whose keys the test controls, counting its fetches. */
function fakeProvider(keys: { current: string }) {
  const fetches: Array<readonly string[]> = [];
  const provider: KeyProvider = {
    resourceType: resource.resourceType,
    valueNames: ['primaryKey', 'secondaryKey', 'blobEndpoint'],
    keyValueNames: ['primaryKey', 'secondaryKey'],
    needsKeys: (wanted) => wanted.has('primaryKey') || wanted.has('secondaryKey'),
    fetchValues: (_r, wanted) => {
      fetches.push([...wanted].sort());
      const all = new Map([
        ['primaryKey', `p-${keys.current}`],
        ['secondaryKey', 's'],
        ['blobEndpoint', 'https://st.blob/'],
      ]);
      return Promise.resolve(new Map([...all].filter(([k]) => wanted.has(k))));
    },
  };
  return { provider, fetches };
}

const t = (s: number) => new Date(Date.UTC(2026, 10, 25, 12, 0, s));

describe('trackKeyFingerprints', () => {
  it('passes endpoint-only reads through untouched (no key read, nothing recorded)', async () => {
    const store = createMemoryKeyFingerprintStore();
    const { provider, fetches } = fakeProvider({ current: 'a' });
    const tracked = trackKeyFingerprints({ get: () => provider }, { store, now: () => t(0) }).get('x');
    await tracked.fetchValues(resource, new Set(['blobEndpoint']));
    expect(fetches).toEqual([['blobEndpoint']]);
    expect(await store.get(resource.key)).toBeUndefined();
  });

  it('reads all keys in the same fetch and records when a fingerprint was first seen', async () => {
    const store = createMemoryKeyFingerprintStore();
    const { provider, fetches } = fakeProvider({ current: 'a' });
    let now = t(0);
    const tracked = trackKeyFingerprints({ get: () => provider }, { store, now: () => now }).get('x');
    const values = await tracked.fetchValues(resource, new Set(['primaryKey']));
    expect(fetches).toEqual([['primaryKey', 'secondaryKey']]);
    expect(values.get('primaryKey')).toBe('p-a');
    now = t(10);
    await tracked.fetchValues(resource, new Set(['primaryKey']));
    expect(await store.get(resource.key)).toEqual({
      fingerprint: fingerprintOf(values, ['primaryKey', 'secondaryKey']),
      observedAt: t(0),
    });
  });

  it('after a regeneration, retries a stale read until the new keys arrive', async () => {
    const store = createMemoryKeyFingerprintStore();
    const keys = { current: 'old' };
    const { provider, fetches } = fakeProvider(keys);
    await trackKeyFingerprints({ get: () => provider }, { store, now: () => t(0) })
      .get('x')
      .fetchValues(resource, new Set(['primaryKey']));
    let sleeps = 0;
    const tracked = trackKeyFingerprints(
      { get: () => provider },
      {
        store,
        now: () => t(30),
        regeneratedAt: new Map([[resource.key, t(20)]]),
        staleRetryDelaysInMs: [1, 1, 1],
        sleep: () => {
          if (++sleeps === 2) keys.current = 'new';
          return Promise.resolve();
        },
      },
    ).get('x');
    const values = await tracked.fetchValues(resource, new Set(['primaryKey']));
    expect(values.get('primaryKey')).toBe('p-new');
    expect(fetches).toHaveLength(4); // 1 before + 3 after the event (2 stale)
    expect((await store.get(resource.key))?.observedAt).toEqual(t(30));
  });

  it('gives up with a retryable StaleKeys error when ARM keeps returning the old keys', async () => {
    const store = createMemoryKeyFingerprintStore();
    const { provider } = fakeProvider({ current: 'old' });
    await trackKeyFingerprints({ get: () => provider }, { store, now: () => t(0) })
      .get('x')
      .fetchValues(resource, new Set(['primaryKey']));
    const tracked = trackKeyFingerprints(
      { get: () => provider },
      {
        store,
        now: () => t(30),
        regeneratedAt: new Map([[resource.key, t(20)]]),
        staleRetryDelaysInMs: [1, 1],
        sleep: () => Promise.resolve(),
      },
    ).get('x');
    await expect(tracked.fetchValues(resource, new Set(['primaryKey']))).rejects.toMatchObject({
      code: 'StaleKeys',
      retryable: true,
    });
  });

  it('a duplicate or late regenerate event is not mistaken for a stale read', async () => {
    const store = createMemoryKeyFingerprintStore();
    const { provider, fetches } = fakeProvider({ current: 'new' });
    // The new keys were first seen at t(21), after the regeneration at t(20).
    await trackKeyFingerprints({ get: () => provider }, { store, now: () => t(21) })
      .get('x')
      .fetchValues(resource, new Set(['primaryKey']));
    const tracked = trackKeyFingerprints(
      { get: () => provider },
      {
        store,
        now: () => t(90),
        regeneratedAt: new Map([[resource.key, t(20)]]),
        staleRetryDelaysInMs: [1],
        sleep: () => Promise.resolve(),
      },
    ).get('x');
    await tracked.fetchValues(resource, new Set(['primaryKey']));
    expect(fetches).toHaveLength(2);
  });
});
