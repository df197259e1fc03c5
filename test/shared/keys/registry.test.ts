import { describe, expect, it } from '@jest/globals';
import { staticTokenCredential } from '../../../testkit/armSimulator/ArmSimulator.ts';
import { SubscriptionRateLimiter } from '../../../shared/arm/SubscriptionRateLimiter.ts';
import { ErrorCode, ValidationError } from '../../../shared/errors.ts';
import type { KeyProvider } from '../../../shared/keys/KeyProvider.ts';
import { createDefaultKeyProviderRegistry, KeyProviderRegistry } from '../../../shared/keys/registry.ts';

function fakeProvider(resourceType: string, valueNames: string[] = ['primaryKey']): KeyProvider {
  return {
    resourceType,
    valueNames,
    keyValueNames: [],
    needsKeys: () => false,
    fetchValues: () => Promise.resolve({ values: new Map(), unavailable: new Map() }),
  };
}

const deps = {
  connection: { endpoint: 'https://management.azure.com', credential: staticTokenCredential('t') },
  rateLimiter: new SubscriptionRateLimiter(),
};

describe('KeyProviderRegistry', () => {
  it('finds a provider by type, case-insensitively', () => {
    const provider = fakeProvider('microsoft.example/widgets');
    const registry = new KeyProviderRegistry().register(provider);
    expect(registry.get('Microsoft.Example/Widgets')).toBe(provider);
    expect(registry.has('MICROSOFT.EXAMPLE/WIDGETS')).toBe(true);
    expect(registry.has('microsoft.example/gadgets')).toBe(false);
  });

  it('refuses a second provider for the same type', () => {
    const registry = new KeyProviderRegistry().register(fakeProvider('microsoft.example/widgets'));
    expect(() => registry.register(fakeProvider('Microsoft.Example/Widgets'))).toThrow(/already registered/);
  });

  it('rejects an unknown type with UnsupportedResourceType naming it and listing the supported ones', () => {
    const registry = new KeyProviderRegistry()
      .register(fakeProvider('microsoft.b/things'))
      .register(fakeProvider('microsoft.a/things'));
    let caught: unknown;
    try {
      registry.get('Microsoft.KeyVault/vaults');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    const err = caught as ValidationError;
    expect(err.code).toBe(ErrorCode.UnsupportedResourceType);
    expect(err.retryable).toBe(false);
    expect(err.message).toBe(
      "resource type 'Microsoft.KeyVault/vaults' is not supported; supported types: microsoft.a/things, microsoft.b/things",
    );
    expect(err.details.resourceType).toBe('Microsoft.KeyVault/vaults');
  });

  it('tells the value names of a type', () => {
    const registry = new KeyProviderRegistry().register(
      fakeProvider('microsoft.example/widgets', ['a', 'b']),
    );
    expect(registry.valueNamesFor('Microsoft.Example/widgets')).toEqual(['a', 'b']);
    expect(() => registry.valueNamesFor('microsoft.none/none')).toThrow(ValidationError);
  });
});

describe('createDefaultKeyProviderRegistry', () => {
  it('serves Storage, Cosmos DB and Redis with their catalogues', () => {
    const registry = createDefaultKeyProviderRegistry(deps);
    expect(registry.resourceTypes).toEqual([
      'microsoft.cache/redis',
      'microsoft.documentdb/databaseaccounts',
      'microsoft.storage/storageaccounts',
    ]);
    expect(registry.valueNamesFor('Microsoft.Storage/storageAccounts')).toContain('primaryConnectionString');
    expect(registry.valueNamesFor('Microsoft.DocumentDB/databaseAccounts')).toContain(
      'primaryReadonlyMasterKey',
    );
    expect(registry.valueNamesFor('Microsoft.Cache/Redis')).toContain('sslPort');
  });
});
