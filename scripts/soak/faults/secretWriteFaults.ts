import type { SecretWriteWebhook } from '../SecretWriteWebhook.ts';
import type { FaultKind } from './Fault.ts';

/**
 * The service's Secret writes failing in one cluster, through the soak's admission webhook (`failurePolicy:
 * Fail`): answered with HTTP 500, or timing out (the webhook sleeps past the apiserver's timeout). Reads still
 * work: only writes fail, as with an overloaded etcd or a broken policy engine.
 * @param webhook - the soak's webhook
 * @returns the two fault kinds
 */
export function secretWriteFaults(webhook: SecretWriteWebhook): FaultKind[] {
  const kind = (name: string, mode: 'fail' | 'hang'): FaultKind => ({
    kind: name,
    perCluster: true,
    make: (cluster) => {
      const target = cluster ?? '';
      return {
        kind: name,
        scope: target,
        lock: `secret-writes:${target}`,
        detail: target,
        start: () => {
          webhook.setMode(target, mode);
          return Promise.resolve();
        },
        stop: () => {
          webhook.setMode(target, 'allow');
          return Promise.resolve();
        },
      };
    },
  });
  return [kind('secret-write-5xx', 'fail'), kind('secret-write-timeout', 'hang')];
}
