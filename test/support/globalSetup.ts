/**
 * jest global set-up of the `integration` project: provisions the Kubernetes binaries (a first build takes
 * minutes; progress is printed), starts two independent control planes (`cluster-a`, `cluster-b`, both with
 * kube-controller-manager when available) and one Azurite, writes the stack description (tokens included,
 * mode 0600) to a temporary file and exports its path as `KEYSYNC_TEST_STACK`, which jest workers inherit.
 *
 * With `KEYSYNC_TEST_KUBECONFIG=<file>` no control plane is started: the current context of that kubeconfig
 * is described as `cluster-a` (admin = that context's credentials). Such a cluster has no token users, so
 * least-privilege tests (403 for `nobody`, the service identity's own rights) skip there, and so do tests
 * needing a second cluster. Azurite is started in both cases.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startLocalStack } from '../../testkit/startLocalStack.ts';
import type { LocalStackDescription } from '../../testkit/startLocalStack.ts';
import { removeDirOnHostExit } from '../../testkit/processRegistry.ts';
import { EXTERNAL_KUBECONFIG_ENV, TEST_CLUSTERS, TEST_STACK_ENV, TEST_STACK_HANDLE } from './testStack.ts';
import type { TestStackHandle } from './testStack.ts';

/** Starts the integration test stack and publishes its description through `KEYSYNC_TEST_STACK`. */
export default async function globalSetup(): Promise<void> {
  const log = (line: string): void => {
    process.stderr.write(`[test-stack] ${line}\n`);
  };
  const external = process.env[EXTERNAL_KUBECONFIG_ENV];
  log(
    external
      ? `using the cluster of ${EXTERNAL_KUBECONFIG_ENV}`
      : 'starting cluster-a, cluster-b and Azurite',
  );
  const stack = await startLocalStack({
    clusters: external ? [] : TEST_CLUSTERS.map((name) => ({ name, controllerManager: true })),
    onProgress: log,
  });
  const local = stack.describe();
  const description: LocalStackDescription = external
    ? {
        ...local,
        clusters: {
          [TEST_CLUSTERS[0]]: {
            name: TEST_CLUSTERS[0],
            tokens: {},
            // Real clusters run kube-controller-manager.
            controllerManager: true,
            external: { kubeconfigPath: resolve(external), context: undefined },
          },
        },
      }
    : local;
  const dir = mkdtempSync(join(tmpdir(), 'aks-keysync-test-stack-'));
  const unregister = removeDirOnHostExit(dir);
  const file = join(dir, 'stack.json');
  writeFileSync(file, JSON.stringify(description, null, 2), { mode: 0o600 });
  process.env[TEST_STACK_ENV] = file;
  const handle: TestStackHandle = { stack, dir, unregisterDir: unregister };
  (globalThis as Record<symbol, unknown>)[TEST_STACK_HANDLE] = handle;
  log(`stack described in ${file}`);
}
