import type { ArmConnection } from '../../arm/armClientOptions.ts';
import type { SubscriptionRateLimiter } from '../../arm/SubscriptionRateLimiter.ts';

/** What every key provider needs: how to reach ARM, and the write budget it takes a token from before listKeys. */
export interface KeyProviderDeps {
  readonly connection: ArmConnection;
  readonly rateLimiter: Pick<SubscriptionRateLimiter, 'acquire'>;
}
