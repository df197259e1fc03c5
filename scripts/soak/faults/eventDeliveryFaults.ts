import type { DeliveryAdversity } from '../../../testkit/armSimulator/EventSubscription.ts';
import type { EventSubscriptionHandle } from '../../../testkit/armSimulator/EventBus.ts';
import type { Random } from '../Random.ts';
import type { FaultKind } from './Fault.ts';

/**
 * Event Grid at its worst, through the simulator's subscription settings (changed live, nothing pending is
 * dropped): every delivery duplicated, deliveries of a batch reversed (newest first), and deliveries held back
 * for seconds (late, after newer state was already written by other paths). The three may overlap.
 * @param subscription - the soak's Event Grid subscription
 * @returns the three fault kinds
 */
export function eventDeliveryFaults(subscription: EventSubscriptionHandle): FaultKind[] {
  const on = new Map<string, DeliveryAdversity>();
  const apply = () => {
    const merged: DeliveryAdversity = {};
    for (const a of on.values()) {
      if (a.duplicates) merged.duplicates = Math.max(merged.duplicates ?? 0, a.duplicates);
      if (a.reorder) merged.reorder = true;
      if (a.delayInMs) merged.delayInMs = Math.max(merged.delayInMs ?? 0, a.delayInMs);
    }
    subscription.reconfigure(merged);
  };
  const kind = (name: string, adversity: (r: Random) => DeliveryAdversity): FaultKind => ({
    kind: name,
    perCluster: false,
    make: (_cluster, random) => {
      const a = adversity(random);
      return {
        kind: name,
        scope: '*',
        lock: name,
        detail: JSON.stringify(a),
        start: () => {
          on.set(name, a);
          apply();
          return Promise.resolve();
        },
        stop: () => {
          on.delete(name);
          apply();
          return Promise.resolve();
        },
      };
    },
  });
  return [
    kind('events-duplicated', (r) => ({ duplicates: r.int(1, 3) })),
    // Reversal needs several events in one flush: hold them a little.
    kind('events-reordered', (r) => ({ reorder: true, delayInMs: r.int(800, 2_000) })),
    kind('events-late', (r) => ({ delayInMs: r.int(3_000, 8_000) })),
  ];
}
