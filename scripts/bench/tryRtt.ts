import { KubeConfig } from '@kubernetes/client-node';
import pLimit from 'p-limit';
import { startLocalStack } from '../localstack/startLocalStack.ts';
import { createKubeClusterClient } from '../../shared/kube/createKubeClusterClient.ts';
import { renderKubeconfig } from '../localstack/renderKubeconfig.ts';
import { readFileSync } from 'node:fs';

const stack = await startLocalStack({ clusters: [{ name: 'c1' }], azurite: false });
try {
  const d = Object.values(stack.describe().clusters)[0]!;
  const kc = new KubeConfig();
  kc.loadFromString(
    renderKubeconfig({
      clusterName: 'c1',
      server: d.server!,
      caData: d.caData!,
      userName: 'admin',
      token: d.tokens['admin']!,
    }),
  );
  const client = createKubeClusterClient('c1', kc);
  await client.createSecret({
    namespace: 'default',
    name: 'x',
    labels: {},
    annotations: {},
    ownerReferences: [],
    data: { a: 'b' },
  });
  const pids = d.pids!;
  const cpu = (pid: number) => {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  };
  for (const conc of [1, 4, 16]) {
    const limit = pLimit(conc);
    const c0 = process.cpuUsage();
    const a0 = cpu(pids.kubeApiserver);
    const e0 = cpu(pids.etcd);
    const t = performance.now();
    await Promise.all(Array.from({ length: 200 }, () => limit(() => client.getSecret('default', 'x'))));
    const ms = performance.now() - t;
    const c = process.cpuUsage(c0);
    console.log(
      `conc ${conc}: 200 GETs in ${ms.toFixed(0)} ms; node cpu ${((c.user + c.system) / 1000).toFixed(0)} ms, apiserver cpu ${cpu(pids.kubeApiserver) - a0} ms, etcd ${cpu(pids.etcd) - e0} ms`,
    );
  }
  for (const conc of [1, 16]) {
    const limit = pLimit(conc);
    const c0 = process.cpuUsage();
    const a0 = cpu(pids.kubeApiserver);
    const e0 = cpu(pids.etcd);
    const t = performance.now();
    let i = 0;
    await Promise.all(
      Array.from({ length: 200 }, () =>
        limit(() =>
          client.replaceSecret({
            namespace: 'default',
            name: 'x',
            labels: {},
            annotations: {},
            ownerReferences: [],
            data: { a: String(i++) },
          }),
        ),
      ),
    );
    const ms = performance.now() - t;
    const c = process.cpuUsage(c0);
    console.log(
      `PUT conc ${conc}: 200 in ${ms.toFixed(0)} ms; node cpu ${((c.user + c.system) / 1000).toFixed(0)} ms, apiserver cpu ${cpu(pids.kubeApiserver) - a0} ms, etcd ${cpu(pids.etcd) - e0} ms`,
    );
  }
} finally {
  await stack.stop();
}
process.exit(0);
