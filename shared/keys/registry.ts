import { ErrorCode, ValidationError } from '../errors.ts';
import type { KeyProvider } from './KeyProvider.ts';
import { createCosmosKeyProvider } from './providers/cosmos.ts';
import type { KeyProviderDeps } from './providers/KeyProviderDeps.ts';
import { createRedisKeyProvider } from './providers/redis.ts';
import { createStorageKeyProvider } from './providers/storage.ts';

export type { KeyProviderDeps } from './providers/KeyProviderDeps.ts';

/** The key providers by ARM resource type (compared case-insensitively). */
export class KeyProviderRegistry {
  readonly #providers = new Map<string, KeyProvider>();

  /**
   * Adds a provider.
   * @param provider - serves `provider.resourceType`
   * @returns this registry, for chaining
   * @throws Error when a provider for that type is already registered
   */
  register(provider: KeyProvider): this {
    const type = provider.resourceType.toLowerCase();
    if (this.#providers.has(type)) throw new Error(`a key provider for ${type} is already registered`);
    this.#providers.set(type, provider);
    return this;
  }

  /**
   * The provider of a resource type.
   * @param resourceType - `namespace/type`, any casing, e.g. `Microsoft.Storage/storageAccounts`
   * @throws ValidationError `UnsupportedResourceType` naming the type and listing the supported ones
   */
  get(resourceType: string): KeyProvider {
    const provider = this.#providers.get(resourceType.toLowerCase());
    if (provider) return provider;
    throw new ValidationError(
      ErrorCode.UnsupportedResourceType,
      `resource type '${resourceType}' is not supported; supported types: ${this.resourceTypes.join(', ') || 'none'}`,
      [],
      { details: { resourceType } },
    );
  }

  /** Whether a provider serves this type. */
  has(resourceType: string): boolean {
    return this.#providers.has(resourceType.toLowerCase());
  }

  /**
   * The value names a binding may ask for on this type.
   * @throws ValidationError `UnsupportedResourceType` for an unknown type
   */
  valueNamesFor(resourceType: string): readonly string[] {
    return this.get(resourceType).valueNames;
  }

  /** Registered types, lower-cased and sorted. */
  get resourceTypes(): readonly string[] {
    return [...this.#providers.keys()].sort();
  }
}

/**
 * The registry with the built-in providers: Storage accounts, Cosmos DB accounts, Azure Cache for Redis.
 * @param deps - ARM connection and write budget shared by the providers
 */
export function createDefaultKeyProviderRegistry(deps: KeyProviderDeps): KeyProviderRegistry {
  return new KeyProviderRegistry()
    .register(createStorageKeyProvider(deps))
    .register(createCosmosKeyProvider(deps))
    .register(createRedisKeyProvider(deps));
}
