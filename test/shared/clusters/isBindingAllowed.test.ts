import { describe, expect, it } from '@jest/globals';

import { isBindingAllowed } from '../../../shared/clusters/isBindingAllowed.ts';

const rg = '/subscriptions/s1/resourceGroups/rg-orders';
const id = `${rg}/providers/Microsoft.Storage/storageAccounts/st1`;

describe('isBindingAllowed', () => {
  it('denies by default', () => {
    expect(isBindingAllowed([], 'orders', id)).toBe(false);
  });
  it('allows a matching namespace glob and resource prefix', () => {
    expect(isBindingAllowed([{ namespaces: 'team-*', resourceIdPrefix: rg }], 'team-orders', id)).toBe(true);
  });
  it('denies a namespace the glob does not cover', () => {
    expect(isBindingAllowed([{ namespaces: 'team-*', resourceIdPrefix: rg }], 'orders', id)).toBe(false);
  });
  it('denies a resource outside the prefix, even with a shared string prefix', () => {
    expect(isBindingAllowed([{ namespaces: '*', resourceIdPrefix: `${rg}-x` }], 'orders', id)).toBe(false);
    expect(
      isBindingAllowed(
        [{ namespaces: '*', resourceIdPrefix: '/subscriptions/s1/resourceGroups/rg-order' }],
        'o',
        id,
      ),
    ).toBe(false);
  });
  it('treats regex characters in globs literally', () => {
    expect(isBindingAllowed([{ namespaces: 'a.b', resourceIdPrefix: rg }], 'axb', id)).toBe(false);
  });
});
