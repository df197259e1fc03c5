/**
 * `npm run demo`: the main job on embedded defaults. Starts two local Kubernetes control planes (real
 * kube-apiserver + etcd; the first run builds them, a few minutes), Azurite and the ARM simulator, then runs
 * scripts/demo/runDemo.ts. With `--kubeconfig <file>` it uses that kubeconfig's current context instead of
 * local control planes (it needs admin rights there to install the CRD).
 */
import { readFileSync } from 'node:fs';

import { KubeConfig } from '@kubernetes/client-node';
import { Command } from 'commander';

import { startLocalStack } from './localstack/startLocalStack.ts';
import type { DemoCluster, DemoEnvironment } from './demo/DemoCluster.ts';
import { runDemo } from './demo/runDemo.ts';
import { ADMIN_USER } from './localstack/ControlPlane.ts';

const program = new Command()
  .name('npm run demo --')
  .description('Sync Azure keys (simulated ARM) into Kubernetes Secrets on real local control planes.')
  .option(
    '--kubeconfig <file>',
    'use the current context of this kubeconfig instead of two local control planes',
  )
  .parse();
const opts = program.opts<{ kubeconfig?: string }>();

const t0 = performance.now();
const progress = (line: string) => process.stderr.write(`  [stack] ${line}\n`);
console.log(
  opts.kubeconfig
    ? `Using the cluster of ${opts.kubeconfig} and a local Azurite`
    : 'Starting two local control planes (kube-apiserver + etcd, RBAC on) and Azurite; the first run builds the binaries (several minutes)',
);
const stack = await startLocalStack({
  clusters: opts.kubeconfig ? [] : [{ name: 'cluster-a' }, { name: 'cluster-b' }],
  onProgress: progress,
});
let exitCode = 0;
try {
  const env = await environment(stack, opts.kubeconfig);
  console.log(`Local stack ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await runDemo(env, (line) => console.log(line));
  console.log(`\nDemo finished in ${((performance.now() - t0) / 1000).toFixed(1)} s.`);
} catch (err) {
  exitCode = 1;
  console.error(`\nDemo failed: ${err instanceof Error ? err.message : String(err)}`);
} finally {
  await stack.stop();
}
process.exit(exitCode);

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
      registration: { kind: 'kubeconfig', kubeconfig: readFileSync(kubeconfig, 'utf8') },
      adminKubeconfigPath: kubeconfig,
    };
    return { clusters: [cluster], azuriteConnectionString: azurite, serviceToken: 'aks-keysync-demo' };
  }
  const clusters: DemoCluster[] = [];
  const [a, b] = [...s.clusters.values()];
  if (!a || !b) throw new Error('local control planes did not start');
  const adminKc = (cp: typeof a) => {
    const kc = new KubeConfig();
    kc.loadFromString(cp.kubeconfigYaml(ADMIN_USER));
    return kc;
  };
  const watcherKc = (cp: typeof a) => {
    const kc = new KubeConfig();
    kc.loadFromString(cp.kubeconfigYaml('keysync-watcher'));
    return kc;
  };
  clusters.push({
    name: a.name,
    admin: adminKc(a),
    watcher: watcherKc(a),
    registration: { kind: 'aks', server: a.server, caPem: a.caPem },
    adminKubeconfigPath: await a.writeKubeconfig(ADMIN_USER),
  });
  clusters.push({
    name: b.name,
    admin: adminKc(b),
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
