import { startLocalStack } from '../localstack/startLocalStack.ts';
import { startBenchEnvironment } from './startBenchEnvironment.ts';
import { runResyncScenario } from './resyncScenario.ts';

const scale = Number(process.argv[2] ?? 1);
const stack = await startLocalStack({ clusters: [{ name: 'c1' }, { name: 'c2' }, { name: 'c3' }] });
try {
  const d = stack.describe();
  const env = await startBenchEnvironment({
    clusters: Object.values(d.clusters),
    azuriteConnectionString: d.azurite?.connectionString ?? '',
    armLatencyInMs: 50,
    namespacePrefix: 'bench',
  });
  try {
    const r = await runResyncScenario(env, {
      resources: Math.round(1000 * scale),
      bindingsPerResource: 10,
      namespaces: 10,
      burst: Math.max(1, Math.round(200 * scale)),
      resyncAll: true,
      seedConcurrency: 32,
    });
    const { phases, resourceIds, ...rest } = r;
    console.log(JSON.stringify(rest));
    for (const p of phases)
      console.log(
        `${p.firstStart.toFixed(0).padStart(8)} ${p.lastEnd.toFixed(0).padStart(8)} ${String(p.count).padStart(6)} ${p.meanMs.toFixed(1).padStart(8)} ${p.name}`,
      );
    console.log(env.warnings.length, env.warnings.slice(0, 3));
  } finally {
    await env.stop();
  }
} finally {
  await stack.stop();
}
process.exit(0);
