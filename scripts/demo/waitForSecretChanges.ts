import { CoreV1Api } from '@kubernetes/client-node';

import { ownership } from '../../shared/kube/ownership.ts';
import type { DemoCluster } from './DemoCluster.ts';

/** A Secret the demo watches. */
export interface WatchedSecret {
  readonly cluster: DemoCluster;
  readonly namespace: string;
  readonly name: string;
}

/** When a watched Secret changed, in ms after the start. */
export interface SecretChange {
  readonly cluster: string;
  readonly name: string;
  readonly afterInMs: number | undefined;
}

/**
 * Reads the data-hash annotation of each Secret, then polls (every 20 ms, bounded) until each one changes.
 * Only hashes are read into the output, never values.
 * @param secrets - what to watch
 * @param action - what changes them (started after the initial read)
 * @param timeoutInMs - bound
 */
export async function waitForSecretChanges(
  secrets: readonly WatchedSecret[],
  action: () => Promise<void>,
  timeoutInMs = 60_000,
): Promise<SecretChange[]> {
  const apis = new Map(secrets.map((s) => [s.cluster.name, s.cluster.admin.makeApiClient(CoreV1Api)]));
  const hash = async (s: WatchedSecret) =>
    (await apis.get(s.cluster.name)?.readNamespacedSecret({ namespace: s.namespace, name: s.name }))?.metadata
      ?.annotations?.[ownership.dataHashAnnotation];
  const before = await Promise.all(secrets.map(hash));
  const changedAt: Array<number | undefined> = secrets.map(() => undefined);
  const t0 = performance.now();
  await action();
  while (changedAt.some((c) => c === undefined) && performance.now() - t0 < timeoutInMs) {
    await Promise.all(
      secrets.map(async (s, i) => {
        if (changedAt[i] === undefined && (await hash(s)) !== before[i])
          changedAt[i] = performance.now() - t0;
      }),
    );
    await new Promise((r) => setTimeout(r, 20));
  }
  return secrets.map((s, i) => ({ cluster: s.cluster.name, name: s.name, afterInMs: changedAt[i] }));
}
