import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

import { HttpRequest, InvocationContext } from '../../functions/azureFunctions.ts';
import { createClustersHandler } from '../../functions/clusters.ts';
import { createArmEventHandler } from '../../functions/onArmEvent.ts';
import { createResyncHandler } from '../../functions/resync.ts';
import type { Services } from '../../shared/createServices.ts';
import type { ResyncReport } from '../../shared/reconcile/SyncReport.ts';
import type { ArmSimulator } from '../../testkit/armSimulator/ArmSimulator.ts';
import { startEngine } from '../../testkit/startEngine.ts';
import { startEventGridEndpoint } from '../../testkit/eventGridEndpoint.ts';
import type { DemoEnvironment } from './DemoCluster.ts';
import { formatTable } from './formatTable.ts';
import { demo, demoIds, sampleBindings, seedCluster, seedResources } from './seedDemo.ts';
import { demoDriftRepair } from './demoDriftRepair.ts';
import { waitForSecretChanges } from './waitForSecretChanges.ts';

/** What a demo run produced, for the caller (and the standing leak test) to inspect. */
export interface DemoResult {
  readonly reports: ResyncReport[];
  /** Every line the function handlers logged. */
  readonly logLines: string[];
  /** Every key value the simulator ever issued (never printed). */
  readonly keyValues: string[];
  /** Distinct ARM operations the service called (from the simulator's call log), e.g. for the role check. */
  readonly armOperations: string[];
}

/** What is still running when {@link DemoOptions.afterwards} is called. */
export interface LiveDemo {
  readonly sim: ArmSimulator;
  /** The services the handlers use (what the composition root would hand them). */
  readonly services: Services;
  /** PEM file of the CA the simulator's HTTPS certificate chains to (for curl's `--cacert`). */
  readonly armCaFile: string;
  /** A bearer token the simulator accepts for principal `demo-user` (not the service identity). */
  readonly userToken: string;
}

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /**
   * Called after the demo, with the simulator still running; everything stops when it resolves
   * (`npm run demo -- --keep` waits for Ctrl-C there).
   */
  readonly afterwards?: (live: LiveDemo) => Promise<void>;
}

/**
 * The demo: ARM simulator with a Storage account, a Cosmos DB account and a Redis cache; the CRD, RBAC and
 * sample KeyBindings in every cluster; clusters registered through the admin endpoint; a resync through the
 * HTTP trigger; a key regeneration; a second resync showing exactly the affected Secrets changed.
 * @param env - clusters, Azurite and the service token
 * @param print - where the human-readable output goes
 */
export async function runDemo(
  env: DemoEnvironment,
  print: (line: string) => void,
  options: DemoOptions = {},
): Promise<DemoResult> {
  const servicePrincipal = 'aks-keysync';
  const userToken = randomBytes(16).toString('hex');
  const engine = await startEngine({
    serviceToken: env.serviceToken,
    servicePrincipal,
    otherTokens: { [userToken]: 'demo-user' },
    sim: { lroDurationInMs: 300 },
    azuriteConnectionString: env.azuriteConnectionString,
  });
  const { sim, services, armCaFile } = engine;
  const logLines: string[] = [];
  const reports: ResyncReport[] = [];
  try {
    seedResources(sim);
    print(
      `ARM simulator at ${sim.url}: storage ${demo.storage}, Cosmos DB ${demo.cosmos}, Redis ${demo.redis}`,
    );
    for (const [i, c] of env.clusters.entries()) await seedCluster(c, i);
    print(
      `KeyBinding CRD, RBAC and sample bindings applied in namespace '${demo.namespace}' of ${env.clusters.map((c) => c.name).join(', ')}`,
    );

    const provider = () => Promise.resolve(services);
    const context = (functionName: string) =>
      new InvocationContext({
        functionName,
        logHandler: (_level, ...args) => logLines.push(args.map(String).join(' ')),
      });
    const call = async (
      handler: ReturnType<typeof createResyncHandler>,
      method: string,
      url: string,
      body?: unknown,
    ) => {
      const req = new HttpRequest({
        method,
        url,
        ...(body ? { body: { string: JSON.stringify(body) } } : {}),
      });
      return handler(req, context(new URL(url).pathname));
    };

    for (const c of env.clusters) {
      const allow = [{ namespaces: demo.namespace, resourceIdPrefix: demoIds.resourceGroup }];
      let body: unknown;
      if (c.registration.kind === 'aks') {
        const aksId = `/subscriptions/${demo.subscriptionId}/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/${c.name}`;
        sim.addManagedCluster({ id: aksId, server: c.registration.server, caPem: c.registration.caPem });
        body = { name: c.name, aksResourceId: aksId, allow };
      } else {
        body = { name: c.name, kubeconfig: c.registration.kubeconfig, allow };
      }
      const res = await call(createClustersHandler(provider), 'PUT', 'http://localhost/api/clusters', body);
      if (res.status !== 200)
        throw new Error(`registering ${c.name} failed: ${JSON.stringify(res.jsonBody)}`);
      print(
        `registered ${c.name} (${c.registration.kind === 'aks' ? 'AKS cluster via ARM listClusterUserCredential' : 'kubeconfig'})`,
      );
    }

    const resync = async (title: string, dryRun = false) => {
      const t0 = performance.now();
      const res = await call(
        createResyncHandler(provider),
        'POST',
        'http://localhost/api/resync',
        dryRun ? { dryRun } : {},
      );
      if (res.status !== 200) throw new Error(`resync failed: ${JSON.stringify(res.jsonBody)}`);
      const report = res.jsonBody as ResyncReport;
      reports.push(report);
      print('');
      print(
        `${title} (POST /api/resync, ${Math.round(performance.now() - t0)} ms, ${report.resourcesFetched} ARM key fetches)`,
      );
      print(reportTable(report));
      return report;
    };

    await resync('Initial sync of the new bindings');

    const [first] = env.clusters;
    if (first) {
      print('');
      await demoDriftRepair({
        cluster: first,
        ...(first.watcher ? { watcherKubeConfig: first.watcher } : {}),
        services,
        namespace: demo.namespace,
        secretName: 'orders-storage',
        print,
        logLines,
      });
    }

    // From here on no resync is called: ARM events drive everything, as in Azure.
    const endpoint = await startEventGridEndpoint(createArmEventHandler(provider), (l) => logLines.push(l));
    const subscription = sim.subscribeEvents({ url: endpoint.url });
    try {
      print('');
      print(
        'Event Grid subscription on the simulated ARM system topic -> onArmEvent (local Functions-host stand-in)',
      );
      await rotate(
        env,
        sim,
        print,
        'storage',
        demoIds.storage,
        'key1',
        'orders-storage',
        "'az storage account keys renew --key primary'",
      );
      await rotate(
        env,
        sim,
        print,
        'Cosmos DB',
        demoIds.cosmos,
        'primaryReadonly',
        'orders-cosmos-readonly',
        "'az cosmosdb keys regenerate --key-kind primaryReadonly' (a long-running operation)",
      );
      await sim.waitForDeliveries(30_000);
    } finally {
      subscription.unsubscribe();
      await endpoint.stop();
    }
    await resync('Dry-run resync afterwards: everything already in sync', true);
    if (env.kubectl) await showKubectl(env, print);
    const keyValues = sim.keyValues();
    const haystack = [...logLines, ...reports.map((r) => JSON.stringify(r))];
    const leaks = keyValues.filter((v) => haystack.some((line) => line.includes(v))).length;
    print('');
    print(
      leaks === 0
        ? `Key-material check: none of the ${keyValues.length} key values issued appears in the ${logLines.length} log lines or ${reports.length} reports.`
        : `KEY MATERIAL LEAKED: ${leaks} key values appear in logs or reports.`,
    );
    const armOperations = [
      ...new Set(
        sim.calls().flatMap((c) => (c.principal === servicePrincipal && c.operation ? [c.operation] : [])),
      ),
    ].sort();
    await options.afterwards?.({ sim, services, armCaFile, userToken });
    return { reports, logLines, keyValues, armOperations };
  } finally {
    await engine.stop();
  }
}

function reportTable(report: ResyncReport): string {
  const rows = report.bindings.flatMap((b) =>
    b.secrets.length > 0
      ? b.secrets.map((s) => [b.cluster, b.namespace, b.binding, s.name, s.keys.join(','), s.action])
      : [[b.cluster, b.namespace, b.binding, '-', '-', `${b.action}: ${b.reason ?? ''}`]],
  );
  const failures = report.clusterFailures
    .map((f) => `\n  cluster ${f.cluster} failed: ${f.reason}: ${f.message}`)
    .join('');
  return formatTable(['CLUSTER', 'NAMESPACE', 'BINDING', 'SECRET', 'KEYS', 'ACTION'], rows) + failures;
}

async function showKubectl(env: DemoEnvironment, print: (line: string) => void): Promise<void> {
  for (const c of env.clusters) {
    if (!c.adminKubeconfigPath || !env.kubectl) continue;
    const { stdout } = await promisify(execFile)(env.kubectl, [
      '--kubeconfig',
      c.adminKubeconfigPath,
      'get',
      'keybindings',
      '-n',
      demo.namespace,
    ]);
    print('');
    print(`$ kubectl get keybindings -n ${demo.namespace}   # ${c.name}`);
    print(stdout.trimEnd());
  }
}

/** Regenerates one key on the simulator and prints when each Secret holding it changed, in every cluster. */
async function rotate(
  env: DemoEnvironment,
  sim: ArmSimulator,
  print: (line: string) => void,
  label: string,
  resourceId: string,
  which: string,
  secretName: string,
  command: string,
): Promise<void> {
  const watched = env.clusters
    .filter((_c, i) => sampleBindings(i).some((b) => JSON.stringify(b.spec).includes(`"${secretName}"`)))
    .map((cluster) => ({ cluster, namespace: demo.namespace, name: secretName }));
  print('');
  print(`Regenerating ${which} of the ${label} account on the simulator, as ${command} would:`);
  const changes = await waitForSecretChanges(watched, () =>
    sim.regenerateKey(resourceId, which).then(() => undefined),
  );
  print(
    formatTable(
      ['CLUSTER', 'SECRET', 'UPDATED AFTER'],
      changes.map((c) => [
        c.cluster,
        `${demo.namespace}/${c.name}`,
        c.afterInMs === undefined ? 'not within 60 s' : `${Math.round(c.afterInMs)} ms`,
      ]),
    ),
  );
  const last = Math.max(...changes.map((c) => c.afterInMs ?? Number.POSITIVE_INFINITY));
  print(
    Number.isFinite(last)
      ? `Every bound Secret fresh ${Math.round(last)} ms after the regeneration; no resync was called.`
      : 'Some Secrets did not change.',
  );
}
