import { startLocalStack } from '../localstack/startLocalStack.ts';
import { startBenchEnvironment } from './startBenchEnvironment.ts';
import { runEventScenario } from './eventScenario.ts';

const stack = await startLocalStack({
  clusters: [{ name: 'c1' }, { name: 'c2' }, { name: 'c3' }],
  onProgress: (l) => console.error(l),
});
try {
  const d = stack.describe();
  const env = await startBenchEnvironment({
    clusters: Object.values(d.clusters),
    azuriteConnectionString: d.azurite?.connectionString ?? '',
    armLatencyInMs: 50,
    namespacePrefix: 'bench',
  });
  try {
    const r = await runEventScenario(env, {
      namespace: 'bench-ev',
      accountPrefix: 'stbenchev',
      bindings: Number(process.argv[2] ?? 100),
      runs: 3,
      resyncAll: true,
      cleanUp: false,
      timeoutInMs: 60000,
    });
    const { runs, medianRun, ...rest } = r;
    console.log(JSON.stringify(rest, null, 1).slice(0, 3000));
    for (const run of runs) {
      const { spans, ...x } = run;
      console.log(JSON.stringify(x));
    }
    for (const s of medianRun.spans)
      console.log(`${s.start.toFixed(1).padStart(8)} ${s.end.toFixed(1).padStart(8)} ${s.name} ${s.detail}`);
    console.log(env.warnings.slice(0, 5));
  } finally {
    await env.stop();
  }
} finally {
  await stack.stop();
}
process.exit(0);
