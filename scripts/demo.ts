/**
 * `npm run demo`: the main job on embedded defaults. Starts two local Kubernetes control planes (real
 * kube-apiserver + etcd; the first run builds them, a few minutes), Azurite and the ARM simulator, then runs
 * scripts/demo/runDemo.ts. With `--kubeconfig <file>` it uses that kubeconfig's current context instead of
 * local control planes (it needs admin rights there to install the CRD). With `--keep` everything stays up
 * after the demo, with commands to try, until Ctrl-C.
 */

import { KubeConfig } from '@kubernetes/client-node';
import { Command } from 'commander';

import { startLocalStack } from '../testkit/startLocalStack.ts';
import type { DemoCluster, DemoEnvironment } from './demo/DemoCluster.ts';
import { inlineKubeconfigOf } from './demo/inlineKubeconfigOf.ts';
import { withoutTestModeWarnings } from './demo/withoutTestModeWarnings.ts';
import { ADMIN_USER } from '../testkit/ControlPlane.ts';
import { takeOverSignals } from '../testkit/processRegistry.ts';

const program = new Command()
  .name('npm run demo --')
  .description('Sync Azure keys (simulated ARM) into Kubernetes Secrets on real local control planes.')
  .option(
    '--kubeconfig <file>',
    'use the current context of this kubeconfig instead of two local control planes',
  )
  .option('--keep', 'after the demo, keep everything running (with commands to try) until Ctrl-C')
  .parse();
const opts = program.opts<{ kubeconfig?: string; keep?: boolean }>();

// The demo calls the real function handlers; loading them outside the Functions host makes @azure/functions
// warn about its test mode, which a user can do nothing about.
const [{ runDemo }, { keepRunning }] = await withoutTestModeWarnings(() =>
  Promise.all([import('./demo/runDemo.ts'), import('./demo/keepRunning.ts')]),
);

const t0 = performance.now();
const progress = (line: string) => process.stderr.write(`  [stack] ${line}\n`);
console.log(
  opts.kubeconfig
    ? `Using the cluster of ${opts.kubeconfig}, and starting Azurite (local Table storage)...`
    : 'Starting two local Kubernetes clusters (kube-apiserver + etcd, RBAC on) and Azurite (local Table storage); ' +
        'the first run builds the Kubernetes binaries (several minutes)...',
);
const stack = await startLocalStack({
  clusters: opts.kubeconfig ? [] : [{ name: 'cluster-a' }, { name: 'cluster-b' }],
  onProgress: progress,
});
let exitCode = 0;
try {
  const env = await environment(stack, opts.kubeconfig);
  console.log(`Clusters and Azurite ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const print = (line: string) => console.log(line);
  await runDemo(env, print, {
    ...(opts.keep
      ? { afterwards: (live) => keepRunning({ live, env, print, stopRequested: stopRequested() }) }
      : {}),
  });
  if (!opts.keep) console.log(`\nDemo finished in ${((performance.now() - t0) / 1000).toFixed(1)} s.`);
} catch (err) {
  exitCode = 1;
  console.error(`\nDemo failed: ${err instanceof Error ? err.message : String(err)}`);
} finally {
  try {
    await stack.stop();
    if (opts.keep) console.log('Stopped.');
  } catch (err) {
    exitCode = 1;
    console.error(`Stopping the local stack failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}
process.exit(exitCode);

/**
 * Resolves on the first SIGINT (Ctrl-C), SIGTERM or SIGHUP, after which everything is stopped in order. The
 * local stack's process registry leaves these signals to the demo meanwhile (it would otherwise kill the
 * children under the demo's feet), and a second signal ends the process at once: the registry's exit handler
 * then kills whatever is left and removes its directories.
 */
function stopRequested(): Promise<NodeJS.Signals> {
  takeOverSignals();
  return new Promise((resolve) => {
    let stopping = false;
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.on(signal, () => {
        if (stopping) {
          console.error(`${signal} again: stopping at once.`);
          process.exit(130);
        }
        stopping = true;
        resolve(signal);
      });
    }
  });
}

async function environment(
  s: Awaited<ReturnType<typeof startLocalStack>>,
  kubeconfig?: string,
): Promise<DemoEnvironment> {
  const azurite = s.azurite?.connectionString ?? '';
  if (kubeconfig) {
    const admin = new KubeConfig();
    admin.loadFromFile(kubeconfig);
    const cluster: DemoCluster = {
      name: 'current',
      admin,
      // The service accepts inline material only: resolve files and exec plugins here, on the user's machine.
      registration: { kind: 'kubeconfig', kubeconfig: await inlineKubeconfigOf(admin) },
      adminKubeconfigPath: kubeconfig,
    };
    return { clusters: [cluster], azuriteConnectionString: azurite, serviceToken: 'aks-keysync-demo' };
  }
  const clusters: DemoCluster[] = [];
  const [a, b] = [...s.clusters.values()];
  if (!a || !b) throw new Error('local control planes did not start');
  const kubeConfigOf = (cp: typeof a, user: string) => {
    const kc = new KubeConfig();
    kc.loadFromString(cp.kubeconfigYaml(user));
    return kc;
  };
  clusters.push({
    name: a.name,
    admin: kubeConfigOf(a, ADMIN_USER),
    watcher: kubeConfigOf(a, 'keysync-watcher'),
    registration: { kind: 'aks', server: a.server, caPem: a.caPem },
    adminKubeconfigPath: await a.writeKubeconfig(ADMIN_USER),
  });
  clusters.push({
    name: b.name,
    admin: kubeConfigOf(b, ADMIN_USER),
    watcher: kubeConfigOf(b, 'keysync-watcher'),
    registration: { kind: 'kubeconfig', kubeconfig: b.kubeconfigYaml('keysync-service') },
    adminKubeconfigPath: await b.writeKubeconfig(ADMIN_USER),
  });
  return {
    clusters,
    azuriteConnectionString: azurite,
    serviceToken: a.tokenFor('keysync-service'),
    ...(s.binaries ? { kubectl: s.binaries.kubectl } : {}),
  };
}
