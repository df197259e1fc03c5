/**
 * Memoises one client per subscription: created on first use, reused afterwards.
 * @param create - builds the client for a subscription
 * @returns a lookup by subscription ID (case-insensitive)
 */
export function perSubscription<T>(create: (subscriptionId: string) => T): (subscriptionId: string) => T {
  const cache = new Map<string, T>();
  return (subscriptionId) => {
    const key = subscriptionId.toLowerCase();
    let client = cache.get(key);
    if (client === undefined) {
      client = create(subscriptionId);
      cache.set(key, client);
    }
    return client;
  };
}
