import { describe, expect, it } from '@jest/globals';

import { parseKeyBinding } from '../../../shared/bindings/parseKeyBinding.ts';
import { ValidationError } from '../../../shared/errors.ts';

const raw = (spec: unknown, status?: unknown) => ({
  apiVersion: 'keysync.dev/v1alpha1',
  kind: 'KeyBinding',
  metadata: {
    name: 'orders',
    namespace: 'shop',
    uid: 'u-1',
    generation: 3,
    creationTimestamp: '2026-11-01T00:00:00Z',
  },
  spec,
  ...(status ? { status } : {}),
});
const resourceId = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st';

describe('parseKeyBinding', () => {
  it('returns the binding with its cluster, destinations and previous status', () => {
    const b = parseKeyBinding(
      raw(
        { resourceId, secrets: { primaryKey: { name: 'orders', key: 'KEY' } } },
        {
          secrets: [{ name: 'old' }],
          conditions: [{ type: 'Ready', status: 'False', reason: 'NotAuthorized' }],
        },
      ),
      'cluster-a',
    );
    expect(b).toMatchObject({
      cluster: 'cluster-a',
      namespace: 'shop',
      name: 'orders',
      uid: 'u-1',
      generation: 3,
      resourceId,
      secrets: { primaryKey: { name: 'orders', key: 'KEY' } },
      previouslyOwnedSecrets: ['old'],
      ready: { status: 'False', reason: 'NotAuthorized' },
    });
  });

  it('rejects two values mapped to one Secret key, naming both', () => {
    const spec = {
      resourceId,
      secrets: { primaryKey: { name: 's', key: 'K' }, secondaryKey: { name: 's', key: 'K' } },
    };
    let caught: unknown;
    try {
      parseKeyBinding(raw(spec), 'c');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    expect((caught as ValidationError).code).toBe('InvalidBinding');
    expect((caught as ValidationError).message).toContain('c/shop/orders');
    expect((caught as ValidationError).message).toContain('primaryKey');
  });

  it.each([
    ['no secrets', { resourceId, secrets: {} }],
    ['no resourceId', { secrets: { primaryKey: { name: 's', key: 'K' } } }],
    ['bad Secret name', { resourceId, secrets: { primaryKey: { name: 'Not_A_Name', key: 'K' } } }],
    ['bad data key', { resourceId, secrets: { primaryKey: { name: 's', key: 'a/b' } } }],
    [
      'extra field in destination',
      { resourceId, secrets: { primaryKey: { name: 's', key: 'K', namespace: 'x' } } },
    ],
  ])('rejects %s', (_label, spec) => {
    expect(() => parseKeyBinding(raw(spec), 'c')).toThrow(ValidationError);
  });

  it.each(['.', '..', '..data'])(
    'rejects the data key %p, which the apiserver refuses on a Secret, with a clear message',
    (key) => {
      const spec = { resourceId, secrets: { primaryKey: { name: 's', key } } };
      expect(() => parseKeyBinding(raw(spec), 'c')).toThrow(
        /c\/shop\/orders is invalid: spec\.secrets\.primaryKey\.key: must not be '\.' or start with '\.\.'/,
      );
    },
  );

  it.each(['.env', 'a..b', 'tls.crt'])('accepts the data key %p', (key) => {
    const spec = { resourceId, secrets: { primaryKey: { name: 's', key } } };
    expect(parseKeyBinding(raw(spec), 'c').secrets.primaryKey?.key).toBe(key);
  });
});
