import { describe, expect, it } from '@jest/globals';

import { ErrorCode, KeySyncError } from '../../../shared/errors.ts';
import { collectDesiredSecrets, secretKey } from '../../../shared/reconcile/collectDesiredSecrets.ts';
import { hashSecretData } from '../../../shared/reconcile/hashSecretData.ts';
import { binding } from '../../support/reconcileFixtures.ts';

const values = new Map([
  ['primaryKey', 'PK'],
  ['blobEndpoint', 'https://st.blob/'],
  ['secondaryKey', 'SK'],
]);

describe('collectDesiredSecrets', () => {
  it('groups values per destination Secret with a data hash', () => {
    const b = binding('a', {
      primaryKey: { name: 's1', key: 'KEY' },
      blobEndpoint: { name: 's1', key: 'BLOB' },
      secondaryKey: { name: 's2', key: 'KEY' },
    });
    const [plan] = collectDesiredSecrets([{ binding: b, values }]);
    expect(plan?.error).toBeUndefined();
    expect(plan?.secrets.map((s) => [s.name, s.data])).toEqual([
      ['s1', { KEY: 'PK', BLOB: 'https://st.blob/' }],
      ['s2', { KEY: 'SK' }],
    ]);
    expect(plan?.secrets[0]?.dataHash).toBe(hashSecretData({ BLOB: 'https://st.blob/', KEY: 'PK' }));
  });

  it('gives a contested new Secret to the older binding and names it in the other one’s error', () => {
    const older = binding(
      'older',
      { primaryKey: { name: 'shared', key: 'A' } },
      { creationTimestamp: '2026-01-01T00:00:00Z' },
    );
    const newer = binding(
      'newer',
      { secondaryKey: { name: 'shared', key: 'B' } },
      { creationTimestamp: '2026-02-01T00:00:00Z' },
    );
    const plans = collectDesiredSecrets([
      { binding: newer, values },
      { binding: older, values },
    ]);
    const byName = new Map(plans.map((p) => [p.binding.name, p]));
    expect(byName.get('older')?.error).toBeUndefined();
    expect(byName.get('newer')?.error?.code).toBe(ErrorCode.SecretConflict);
    expect(byName.get('newer')?.error?.message).toContain('older');
  });

  it('keeps a Secret with the binding that owns it in the cluster, even if that binding is newer', () => {
    const older = binding(
      'older',
      { primaryKey: { name: 'shared', key: 'A' } },
      { creationTimestamp: '2026-01-01T00:00:00Z' },
    );
    const newer = binding(
      'newer',
      { secondaryKey: { name: 'shared', key: 'B' } },
      { creationTimestamp: '2026-02-01T00:00:00Z' },
    );
    const owners = new Map([
      [secretKey('c1', 'ns', 'shared'), { kind: 'binding' as const, uid: 'uid-newer', bindingName: 'newer' }],
    ]);
    const plans = collectDesiredSecrets(
      [
        { binding: older, values },
        { binding: newer, values },
      ],
      owners,
    );
    expect(plans.find((p) => p.binding.name === 'newer')?.error).toBeUndefined();
    expect(plans.find((p) => p.binding.name === 'older')?.error?.message).toContain('newer');
  });

  it('passes a resource error through and plans no Secret', () => {
    const err = new KeySyncError(ErrorCode.ResourceNotFound, 'gone');
    const [plan] = collectDesiredSecrets([
      { binding: binding('a', { primaryKey: { name: 's', key: 'K' } }), error: err },
    ]);
    expect(plan?.error).toBe(err);
    expect(plan?.secrets).toEqual([]);
  });

  it('lists previously owned Secrets that are no longer mapped as stale', () => {
    const b = binding(
      'a',
      { primaryKey: { name: 'new', key: 'K' } },
      { previouslyOwnedSecrets: ['old', 'new'] },
    );
    const [plan] = collectDesiredSecrets([{ binding: b, values }]);
    expect(plan?.staleSecrets).toEqual(['old']);
  });

  it('is deterministic: output sorted by cluster/namespace/name', () => {
    const plans = collectDesiredSecrets([
      { binding: binding('b', { primaryKey: { name: 'x', key: 'K' } }), values },
      { binding: binding('a', { primaryKey: { name: 'y', key: 'K' } }), values },
    ]);
    expect(plans.map((p) => p.binding.name)).toEqual(['a', 'b']);
  });
});
