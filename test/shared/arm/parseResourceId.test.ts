import { describe, expect, it } from '@jest/globals';

import { isUnderPrefix, parseResourceId } from '../../../shared/arm/parseResourceId.ts';

const id =
  '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-Orders/providers/Microsoft.Storage/storageAccounts/stOrders';

describe('parseResourceId', () => {
  it('parses a top-level resource and lower-cases the key and type', () => {
    const r = parseResourceId(id);
    expect(r).toMatchObject({
      subscriptionId: '11111111-2222-3333-4444-555555555555',
      resourceGroup: 'rg-Orders',
      providerNamespace: 'Microsoft.Storage',
      resourceType: 'microsoft.storage/storageaccounts',
      name: 'stOrders',
      key: id.toLowerCase(),
    });
  });

  it('treats casing variants as the same key', () => {
    expect(parseResourceId(id.toUpperCase().replace('/SUBSCRIPTIONS', '/subscriptions')).key).toBe(
      parseResourceId(id).key,
    );
  });

  it.each([
    ['empty', ''],
    ['not an ARM ID', 'stOrders'],
    ['missing name', '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts'],
    ['nested resource', `${id}/blobServices/default`],
  ])('rejects %s with a message naming the input', (_label, input) => {
    let caught: unknown;
    try {
      parseResourceId(input);
    } catch (e) {
      caught = e;
    }
    expect(caught).toMatchObject({ code: 'InvalidResourceId' });
    expect((caught as Error).message).toContain(`'${input}'`);
  });
});

describe('parseResourceId: trailing slash', () => {
  it('is refused by default: a KeyBinding spells its resource ID one way, as the CRD schema enforces', () => {
    expect(() => parseResourceId(`${id}/`)).toThrow(expect.objectContaining({ code: 'InvalidResourceId' }));
  });

  it('is dropped when allowed (event subjects), giving the same id and key', () => {
    const r = parseResourceId(`${id.toUpperCase().replace('/SUBSCRIPTIONS', '/subscriptions')}/`, {
      allowTrailingSlash: true,
    });
    expect(r.key).toBe(parseResourceId(id).key);
    expect(r.id.endsWith('/')).toBe(false);
    expect(parseResourceId(` ${id}/ `, { allowTrailingSlash: true }).id).toBe(id);
    expect(() => parseResourceId(`${id}//`, { allowTrailingSlash: true })).toThrow(
      expect.objectContaining({ code: 'InvalidResourceId' }),
    );
  });
});

describe('isUnderPrefix', () => {
  it('matches whole segments, case-insensitively', () => {
    expect(
      isUnderPrefix(id, '/subscriptions/11111111-2222-3333-4444-555555555555/resourcegroups/RG-ORDERS'),
    ).toBe(true);
    expect(
      isUnderPrefix(id, '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-Ord'),
    ).toBe(false);
    expect(isUnderPrefix(id, id + '/')).toBe(true);
  });
});
