import { publicArmEndpoint } from '../../shared/arm/armClientOptions.ts';
import { createDefaultKeyProviderRegistry, type KeyProviderRegistry } from '../../shared/keys/registry.ts';

/**
 * The built-in key providers, created only to read their static catalogues (resource types and value names),
 * e.g. to generate the CRD's admission rules. They never reach ARM: providers create their clients on first
 * use, and these dependencies refuse every call.
 * @returns a registry whose providers must not be asked for values
 */
export function catalogueOnlyRegistry(): KeyProviderRegistry {
  const refuse = () => Promise.reject(new Error('catalogue only: no ARM calls'));
  return createDefaultKeyProviderRegistry({
    connection: { endpoint: publicArmEndpoint, credential: { getToken: refuse } },
    rateLimiter: { acquire: refuse },
  });
}
